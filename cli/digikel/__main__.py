"""`python -m digikel ...`: the digikel CLI, as the `digikel` script runs it."""

from digikel.cli import main

main()
