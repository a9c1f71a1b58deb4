#!/usr/bin/env bash
# Readiness and reports (issue 6): what their tests need on a fresh Debian 12 machine, run as root.
# - chromium: the HTML report is checked in a real headless browser, and the acceptance pack's
#   PDF is printed by it (`digikel report acceptance SITE --format pdf`).
# - PostgreSQL: the store is tested on a real server as well as on SQLite. The server is local and
#   reached over its Unix socket with peer authentication, so no password exists anywhere:
#   the PostgreSQL role is named after the OS user that runs the tests (root in CI).
# Safe to run twice: every step checks before it acts.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
for package in chromium fonts-dejavu-core postgresql; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    need+=("$package")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Start the distribution's default cluster (no systemd needed: CI containers often lack it).
pg_version="" pg_cluster=""
read -r pg_version pg_cluster < <(pg_lsclusters --no-header | awk 'NR==1 {print $1, $2}') || true
if [[ -z "${pg_version:-}" ]]; then
  pg_version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  pg_cluster=main
  pg_createcluster "$pg_version" "$pg_cluster"
fi
if ! pg_lsclusters --no-header | awk -v v="$pg_version" -v c="$pg_cluster" \
    '$1 == v && $2 == c {print $4}' | grep -q online; then
  pg_ctlcluster "$pg_version" "$pg_cluster" start
fi

test_user=${SUDO_USER:-$(id -un)}
test_db=digikel_test
as_postgres() { runuser -u postgres -- "$@"; }
if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$test_user'" | grep -q 1; then
  as_postgres createuser "$test_user"
fi
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$test_db'" | grep -q 1; then
  as_postgres createdb -O "$test_user" "$test_db"
fi

# .ci/run sets this for the store's PostgreSQL tests (psycopg 3 driver, Unix socket, peer auth):
echo "readiness: DIGIKEL_TEST_PG_URL=postgresql+psycopg:///$test_db?host=/var/run/postgresql"
