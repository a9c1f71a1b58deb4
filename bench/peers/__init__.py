"""The competitors of benchmark 1, written as their own competent users would write them."""
