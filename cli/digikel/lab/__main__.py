"""`python -m digikel.lab ...` runs the digikel CLI: how `digikel lab start` detaches itself."""

from digikel.cli import main

main()
