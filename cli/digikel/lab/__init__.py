"""The lab: simulated MikroTik RouterOS 7 and Cisco IOS devices over real SSH (see docs/lab.md).

Tests use `running_lab` from digikel.lab.runner; the CLI is `digikel lab`.
"""
