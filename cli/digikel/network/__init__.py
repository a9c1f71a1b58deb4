"""Network gear through Netmiko: intended configurations, backups, diff, push, verify, rollback.

The Python API (no CLI in it) is in `digikel.network.operations`:

    from digikel.network.operations import Options, push_site, verify_site, backup_site

See docs/network.md.
"""
