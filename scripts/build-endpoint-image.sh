#!/usr/bin/env bash
# Build the lab's endpoint image: a counter PC or display as the Debian installer leaves it, on top
# of the systemd base image (scripts/build-base-image.sh). The installer's answers install
# openssh-server, sudo and python3 (cli/digikel/endpoints/installer.py PACKAGES); the base image
# already has sudo and python3, so this adds the SSH server, and nothing else the roles install.
#
# A real PC generates its SSH host keys when openssh-server is installed on it, so no two PCs
# share one. An image shared by 57 containers must not carry keys: they are removed here and each
# container generates its own at its first boot (digikel-ssh-hostkeys.service, before ssh.service);
# the lab then pins them (cli/digikel/labsvc/containers.py).
# Reused when it exists; FORCE=1 rebuilds. Bump the tag when the recipe changes.
set -euo pipefail

BASE="${DIGIKEL_BASE_IMAGE:-localhost/digikel-debian12-systemd:4}"
IMAGE="${DIGIKEL_ENDPOINT_IMAGE:-localhost/digikel-debian12-endpoint:2}"
ARCHIVES=/var/cache/digikel/apt-archives
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

install -d -m 0755 /var/cache/digikel "$ARCHIVES/partial"
exec 8>/var/cache/digikel/endpoint-image.lock
flock 8

if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$IMAGE"; then
  echo "endpoint image $IMAGE exists, reusing it" >&2
  exit 0
fi
DIGIKEL_BASE_IMAGE="$BASE" bash "$here/build-base-image.sh"

context="$(mktemp -d /var/tmp/digikel-endpoint-image.XXXXXX)"
trap 'rm -rf "$context"' EXIT
cat >"$context/digikel-ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate this machine's own SSH host keys (as openssh-server's installation does)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
cat >"$context/Containerfile" <<CONTAINERFILE
FROM $BASE
COPY digikel-ssh-hostkeys.service /etc/systemd/system/
# dpkg without an fsync per file, as Debian's own container images have it: fifty containers on
# one disk would otherwise spend their converge waiting on each other's syncs. A container's
# packages need no crash safety; a real PC keeps dpkg's default.
RUN printf 'force-unsafe-io\n' >/etc/dpkg/dpkg.cfg.d/digikel-lab-unsafe-io
# The base image ships without package lists (see build-base-image.sh): fetch them, install, and
# leave none behind again, so the roles' list refresh behaves as on a newly installed PC. No
# `apt-get clean`: the archives are the machine's cache, mounted, not the image's.
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \\
 && rm -f /etc/ssh/ssh_host_* \\
 && systemctl enable digikel-ssh-hostkeys.service ssh.service \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/lib/apt/periodic \\
 && install -d -m 0755 /var/lib/apt/lists/partial \\
 && touch -d @0 /var/lib/apt/lists/partial /var/lib/apt/lists
CMD ["/sbin/init"]
STOPSIGNAL SIGRTMIN+3
CONTAINERFILE
podman build --volume "$ARCHIVES:/var/cache/apt/archives" --tag "$IMAGE" "$context" >&2
echo "built $IMAGE" >&2
