#!/usr/bin/env bash
# apt-cacher-ng, the package cache the lab runs as Diskominfo runs one at the data centre (see
# docs/lab-services.md, "The package cache"). Only the program: the lab starts its own instance
# (`digikel lab services up`, cli/digikel/labsvc/pkgcache.py) with its own port, address and
# directories, so Debian's system service must neither start at install nor at boot: it would
# listen on every address (port 3142) and expose the cache to other machines.
# Idempotent: safe to run twice.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

if ! dpkg-query -W -f='${Status}' apt-cacher-ng 2>/dev/null | grep -q "install ok installed"; then
  # A policy-rc.d that refuses every start keeps the package's postinst from starting the service;
  # one that exists already (a container's) is left as it is.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# digikel scripts/setup.d/25-apt-cacher-ng.sh, during the install only\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  trap '[[ $own_policy == 1 ]] && rm -f "$policy"' EXIT
  # The question whether to allow HTTPS tunnels: no (the lab's instance has its own config anyway).
  echo "apt-cacher-ng apt-cacher-ng/tunnelenable boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends apt-cacher-ng
fi

# Whatever the install did or a later upgrade does: the system service stays stopped and disabled
# (systemctl disables offline too, without a running systemd; update-rc.d for the SysV links).
if [[ -d /run/systemd/system ]]; then
  systemctl stop apt-cacher-ng.service >/dev/null 2>&1 || true
elif [[ -x /etc/init.d/apt-cacher-ng ]]; then
  /etc/init.d/apt-cacher-ng stop >/dev/null 2>&1 || true
fi
if command -v systemctl >/dev/null; then
  systemctl disable apt-cacher-ng.service >/dev/null 2>&1 || true
fi
if command -v update-rc.d >/dev/null; then
  update-rc.d apt-cacher-ng disable >/dev/null 2>&1 || true
fi

# The machine-wide cache the lab's instance keeps (survives lab resets and CI reruns), as
# /var/cache/digikel/apt-archives does for the containers' own archives.
install -d -m 0755 /var/cache/digikel/apt-cacher-ng

# (No `apt-cacher-ng --version`: the program knows no such option and would start a daemon.)
dpkg-query -W -f='apt-cacher-ng ${Version}\n' apt-cacher-ng
