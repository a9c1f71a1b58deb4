#!/usr/bin/env bash
# Build the systemd Debian 12 image the endpoint roles' Molecule scenarios boot, once per machine.
# No container registry is reachable here, so the image comes from debootstrap (Debian's mirror).
# Reused when it already exists; FORCE=1 rebuilds. Bump IMAGE_TAG when the recipe changes.
set -euo pipefail

IMAGE="${DIGIKEL_BASE_IMAGE:-localhost/digikel-debian12-systemd:3}"
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
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*

tar -C "$root" -c . | podman import \
  --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' - "$IMAGE" >&2
echo "built $IMAGE" >&2
