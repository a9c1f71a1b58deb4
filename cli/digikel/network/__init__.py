"""Network gear through Netmiko: intended configurations, backups, diff, push, verify, rollback.

The Python API (no CLI in it): per device in `digikel.network.operations`, per site (the
rollout's entry) in `digikel.network.sites`, many sites in `digikel.network.runner`:

    from digikel.network.operations import Options
    from digikel.network.sites import run_site  # "push", "verify", "backup", ...
    results = run_site("push", inv, site, secrets, Options(check=True))

See docs/network.md.
"""
