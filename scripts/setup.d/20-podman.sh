#!/usr/bin/env bash
# Podman for the endpoint roles' Molecule scenarios (see docs/endpoints.md and
# ../shared/notes/containers-on-these-machines.md). Idempotent: safe to run twice.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# crun refuses this machine's hybrid cgroups and podman's default rlimits exceed what a process
# here may set: runc and limits at the hard ceiling make a plain `podman run` work.
# nproc counts every process of the (host) uid, so a low ceiling could starve chromium once the
# machine is busy; runc was refused 65536 here but takes 8192, which leaves ample headroom.
nofile="$(ulimit -Hn)"
[[ "$nofile" == unlimited ]] && nofile=1048576
nproc="$(ulimit -Hu)"
[[ "$nproc" == unlimited || "$nproc" -gt 8192 ]] && nproc=8192
install -d -m 0755 /etc/containers
conf=/etc/containers/containers.conf
wanted="$(cat <<CONF
# Written by digikel scripts/setup.d/20-podman.sh
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]

[engine]
runtime = "runc"
CONF
)"
if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$wanted" ]]; then
  printf '%s\n' "$wanted" >"$conf"
fi

# The apt archive cache shared with the Molecule containers (mounted at /var/cache/apt/archives):
# chromium and its dependencies are downloaded once per machine, not once per scenario.
install -d -m 0755 /var/cache/digikel/apt-archives/partial

podman --version
