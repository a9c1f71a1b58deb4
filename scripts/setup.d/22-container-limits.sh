#!/usr/bin/env bash
# Kernel limits for the lab's endpoint containers. Each systemd container takes several inotify
# instances (systemd, journald, logind, path units); the kernel's default of 128 per user is
# exhausted at a few dozen containers, and systemd then hangs in "initializing" with its path
# units failed. The pilot wave's 50 counters and displays need more (docs/lab-services.md).
set -euo pipefail
if [[ "$(id -u)" -ne 0 ]]; then
  echo "not root: leaving fs.inotify limits as they are (the lab boots fewer containers)" >&2
  exit 0
fi
cat >/etc/sysctl.d/60-digikel-lab.conf <<'CONF'
# digikel lab: many systemd containers on one machine (scripts/setup.d/22-container-limits.sh)
fs.inotify.max_user_instances = 8192
fs.inotify.max_user_watches = 1048576
CONF
sysctl -q -w fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576
echo "kernel limits for the lab's containers: inotify instances $(sysctl -n fs.inotify.max_user_instances)" >&2
