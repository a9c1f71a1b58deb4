"""Day 0 of the Linux endpoints: what a new counter PC or display is installed with."""
