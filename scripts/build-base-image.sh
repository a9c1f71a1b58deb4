#!/usr/bin/env bash
# Build the systemd Debian 12 image the endpoint roles' Molecule scenarios boot, once per machine.
# No container registry is reachable here, so the image comes from debootstrap (Debian's mirror).
# Reused when it already exists; FORCE=1 rebuilds (DIGIKEL_COLD=1 scripts/setup untags it first).
# Bump the tag when the recipe changes (4: no apt lists and no freshness stamps, issue 13).
set -euo pipefail

IMAGE="${DIGIKEL_BASE_IMAGE:-localhost/digikel-debian12-systemd:4}"
MIRROR="${DIGIKEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DIGIKEL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE=/var/cache/digikel/debootstrap

# One build at a time on this machine (the Molecule tests and `digikel lab` may both ask for it);
# whoever waited finds the image built and reuses it.
install -d -m 0755 /var/cache/digikel
exec 9>/var/cache/digikel/base-image.lock
flock 9

if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$IMAGE"; then
  echo "base image $IMAGE exists, reusing it" >&2
  exit 0
fi

root="$(mktemp -d /var/tmp/digikel-rootfs.XXXXXX)"
trap 'rm -rf --one-file-system "$root"' EXIT
install -d -m 0755 "$CACHE"

# Only what every scenario needs before Ansible can work: systemd as PID 1, python3 and
# python3-apt for the apt module. Everything else is installed by the roles themselves.
debootstrap --variant=minbase --cache-dir="$CACHE" \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo \
  bookworm "$root" "$MIRROR" >&2

cat >"$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES
# The host's apt archive cache is mounted at /var/cache/apt/archives: keep what apt downloads
# so the next scenario (and the next CI run) installs chromium without downloading it again.
cat >"$root/etc/apt/apt.conf.d/01digikel-keep-downloads" <<'APT'
APT::Keep-Downloaded-Packages "true";
Binary::apt::APT::Keep-Downloaded-Packages "true";
APT
# Containers boot with a fresh machine id; units that need a console or hardware are pointless.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
chroot "$root" systemctl mask getty@tty1.service serial-getty@ttyS0.service \
  systemd-remount-fs.service dev-hugepages.mount sys-fs-fuse-connections.mount >&2
# No misleading freshness: the image ships without package lists, and nothing in it may look like
# a recent `apt update`. Ansible's apt module judges cache_valid_time by the mtime of
# /var/lib/apt/periodic/update-success-stamp, else of /var/lib/apt/lists itself, and emptying the
# lists a minute before the containers start made them look fresh, so `update_cache` with
# `cache_valid_time` skipped the update and no package was known ("No package matching 'chrony'",
# issue 13). So: no lists, no binary caches, no stamps, and a lists directory dated 1970. The
# roles refresh the lists whenever none exist, whatever their age (roles/apt_lists).
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/periodic
install -d -m 0755 "$root"/var/lib/apt/lists/partial
touch -d @0 "$root"/var/lib/apt/lists/partial "$root"/var/lib/apt/lists

tar -C "$root" -c . | podman import \
  --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$IMAGE" >&2
echo "built $IMAGE" >&2
