"""Probes of what must answer at a site, made from the machine digikel runs on: HTTPS (https.py)
and IPP (ipp.py). Where a probe connects is the environment's (digikel.environment)."""
