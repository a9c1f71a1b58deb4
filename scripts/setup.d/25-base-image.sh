#!/usr/bin/env bash
# The systemd Debian 12 base image of the endpoint containers (the lab's and Molecule's), built
# here rather than on first use so that setup's time includes it and a rollout never waits on a
# silent debootstrap. Where podman does not work the image is not built: the lab then says so and
# skips the endpoints, never fakes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! podman info >/dev/null 2>&1; then
  echo "podman does not work here: no base image (the endpoint containers will be skipped)" >&2
  exit 0
fi
bash scripts/build-base-image.sh
