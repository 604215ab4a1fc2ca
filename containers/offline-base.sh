#!/usr/bin/env bash
# Build the offline base image (Debian minbase + python3 + venv) with debootstrap and `docker import`,
# for machines that cannot pull from an image registry. Skipped when the image exists.
# With registry access you do not need it: pass BASE_IMAGE=python:3.11-slim-bookworm to `make build`.
#
#   offline-base.sh [NAME [SUITE]]   SUITE: a Debian release, bookworm (Python 3.11) by default; the
#                                    runtime wheel's tests also use bullseye (Python 3.9, the oldest it
#                                    supports) and trixie (3.13)
set -euo pipefail

NAME=${1:-byoc/offline-base:bookworm}
SUITE=${2:-bookworm}
DOCKER=${DOCKER:-/usr/bin/docker}

if "$DOCKER" image inspect "$NAME" >/dev/null 2>&1; then
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "offline-base.sh: installing debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

ROOTFS=$(mktemp -d /tmp/byoc-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
echo "offline-base.sh: debootstrap $SUITE into $ROOTFS" >&2
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$ROOTFS" >"$ROOTFS.log" 2>&1 || {
  tail -n 30 "$ROOTFS.log" >&2; exit 1; }
rm -f "$ROOTFS.log"
# Drop caches that only make the image bigger.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
tar -C "$ROOTFS" -c . | "$DOCKER" import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' \
  - "$NAME" >/dev/null
echo "offline-base.sh: imported $NAME" >&2
