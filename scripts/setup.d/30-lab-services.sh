#!/usr/bin/env bash
# The lab's stand-ins outside this machine (docs/lab-services.md): the IPP printer simulator and
# client (cups-ipp-utils: ippeveprinter, ipptool) and dbus-daemon, for the private D-Bus that
# ippeveprinter needs at start (the lab never touches the machine's own D-Bus or Avahi).
# iproute2 gives `ss`, with which the tests check what listens where.
# Podman and the endpoint containers' base image: scripts/setup.d/20-podman.sh and
# scripts/build-base-image.sh. Safe to run twice: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(cups-ipp-utils dbus-daemon iproute2)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The endpoint containers share the host's apt archive cache (as the roles' Molecule scenarios).
install -d -m 0755 /var/cache/digikel/apt-archives/partial

command -v ippeveprinter >/dev/null && command -v ipptool >/dev/null && command -v dbus-daemon >/dev/null
echo "lab services: ippeveprinter, ipptool and dbus-daemon present" >&2
