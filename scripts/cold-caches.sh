#!/usr/bin/env bash
# The cold-machine mode's clean-up (DIGIKEL_COLD=1 scripts/setup calls it): empty every cache
# that could make a run pass here and fail on a fresh machine.
# - the endpoint base image: untagged, so that setup builds it afresh (containers of a lab that
#   runs keep their image: untagging removes nothing they use), and debootstrap's package cache;
# - apt: the host's archive cache, and the endpoint containers' (the shared one Molecule uses,
#   and each lab container's own, except those of containers that exist: a running lab keeps its);
# - pip's cache; the project's Ansible fact cache.
# The .venv is kept (a clean clone has none; `rm -rf .venv` for a cold virtualenv too).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=$(sed -n 's/^IMAGE="\${DIGIKEL_BASE_IMAGE:-\(.*\)}"$/\1/p' scripts/build-base-image.sh)
ENDPOINT=$(sed -n 's/^IMAGE="\${DIGIKEL_ENDPOINT_IMAGE:-\(.*\)}"$/\1/p' scripts/build-endpoint-image.sh)
# The endpoint image first: it is built on the base image.
for IMAGE in "${DIGIKEL_ENDPOINT_IMAGE:-$ENDPOINT}" "${DIGIKEL_BASE_IMAGE:-$BASE}"; do
  if command -v podman >/dev/null && podman image exists "$IMAGE" 2>/dev/null; then
    id=$(podman image inspect --format '{{.Id}}' "$IMAGE")
    podman untag "$IMAGE"
    # Removed when no container uses it; a running lab's containers keep it until they go.
    podman rmi "$id" >/dev/null 2>&1 || true
    echo "cold: untagged $IMAGE" >&2
  fi
done
rm -rf /var/cache/digikel/debootstrap
# The data centre's package cache (labsvc/pkgcache.py): a fresh machine has an empty one.
if [[ -d /var/cache/digikel/apt-cacher-ng ]]; then
  find /var/cache/digikel/apt-cacher-ng -mindepth 1 -delete
  echo "cold: emptied the package cache" >&2
fi

if command -v apt-get >/dev/null && [[ "$(id -u)" -eq 0 ]]; then
  apt-get clean
fi
archives=/var/cache/digikel/apt-archives
if [[ -d "$archives" ]]; then
  find "$archives" -maxdepth 1 -type f -name '*.deb' -delete
  rm -rf "$archives/partial"/*
  existing=" $(podman ps --all --format '{{.Names}}' 2>/dev/null | tr '\n' ' ') "
  for dir in "$archives"/*/; do
    name=$(basename "$dir")
    [[ "$name" == partial ]] && continue
    [[ "$existing" == *" $name "* ]] && continue  # a container that exists keeps its cache
    rm -rf "$dir"
  done
fi

if [[ -x .venv/bin/python ]]; then
  .venv/bin/python -m pip cache purge >/dev/null 2>&1 || true
fi
rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/pip" .digikel/facts
echo "cold: apt, pip and image caches are empty" >&2
