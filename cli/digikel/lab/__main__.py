"""`python -m digikel.lab ...` runs the digikel CLI: how `digikel lab start` detaches itself.

A process entry, not a dependency of the lab on the CLI: it runs `python -m digikel` as the
`digikel` script would (the CLI sits above the lab, docs/architecture.md).
"""

import runpy

runpy.run_module("digikel", run_name="__main__", alter_sys=True)
