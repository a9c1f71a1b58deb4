#!/usr/bin/env bash
# Start the local PostgreSQL cluster the store's tests use (setup installs it; a reboot stops it).
set -euo pipefail
command -v pg_lsclusters >/dev/null || { echo "postgresql is not installed: run scripts/setup" >&2; exit 1; }
pg_lsclusters --no-header | while read -r version cluster _ status _; do
  [[ "$status" == online* ]] || pg_ctlcluster "$version" "$cluster" start
done
