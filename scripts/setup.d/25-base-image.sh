#!/usr/bin/env bash
# The systemd Debian 12 base image (Molecule's) and the lab's endpoint image built on it, built
# here rather than on first use so that setup's time includes it and a rollout never waits on a
# silent debootstrap. Where podman does not work the image is not built: the lab then says so and
# skips the endpoints, never fakes them. debootstrap's many lines go to a log, shown on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! podman info >/dev/null 2>&1; then
  echo "podman does not work here: no base image (the endpoint containers will be skipped)" >&2
  exit 0
fi
log=$(mktemp /tmp/digikel-base-image.XXXXXX.log)
started=$SECONDS
if ! { bash scripts/build-base-image.sh && bash scripts/build-endpoint-image.sh; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "building the base or endpoint image failed (full log: $log)" >&2
  exit 1
fi
grep '^built \|exists, reusing' "$log" >&2 || true
echo "base and endpoint images: $((SECONDS - started)) s" >&2
rm -f "$log"
