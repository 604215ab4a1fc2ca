#!/usr/bin/env bash
# Make a Docker engine available, idempotently: install Debian's docker.io if dockerd is missing,
# start dockerd if nothing answers on the socket, wait for it. Used by .ci/run and the Makefile.
# On a machine whose engine already runs (Docker Desktop, a systemd service) it starts nothing.
# It also gives the host's loopback the address 169.254.170.2, where the local backend serves AWS
# credentials to job containers (launcher/local/credentials.py explains why that address).
set -euo pipefail

SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}

engine_answers() { /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || docker info >/dev/null 2>&1; }

# The container credentials address, on `lo` (not persistent across reboots; run again after one).
# Containers reach it through their default gateway: the host accepts packets for any of its addresses.
CREDENTIALS_ADDRESS=169.254.170.2
credentials_address() {
  if [ "$(uname -s)" != Linux ]; then
    echo "engine.sh: not Linux: jobs get no AWS credentials endpoint ($CREDENTIALS_ADDRESS is the engine VM's, not this host's)" >&2
    return 0
  fi
  if command -v ip >/dev/null 2>&1 && ip -4 addr show dev lo | grep -qF " $CREDENTIALS_ADDRESS/"; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "engine.sh: skipped adding $CREDENTIALS_ADDRESS to lo (needs root); without it jobs get no AWS credentials:" \
      "run \`make engine\` as root, or \`sudo ip addr add $CREDENTIALS_ADDRESS/32 dev lo\`" >&2
    return 0
  fi
  if ! command -v ip >/dev/null 2>&1; then
    echo "engine.sh: installing iproute2 (for \`ip addr\`)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
  fi
  echo "engine.sh: adding $CREDENTIALS_ADDRESS/32 to lo (the AWS credentials endpoint of local jobs)" >&2
  ip addr add "$CREDENTIALS_ADDRESS/32" dev lo
}
credentials_address

if engine_answers; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /usr/bin/docker ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "engine.sh: no Docker engine answers and dockerd is not installed; install Docker (as root: apt-get install docker.io)" >&2
    exit 1
  fi
  echo "engine.sh: installing Debian's docker.io" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if [ "$(id -u)" != 0 ]; then
  echo "engine.sh: dockerd is installed but not running, and starting it needs root" >&2
  exit 1
fi

echo "engine.sh: starting dockerd (log: $LOG)" >&2
nohup dockerd >"$LOG" 2>&1 &
for _ in $(seq 60); do
  if [ -S "$SOCKET" ] && engine_answers; then
    exit 0
  fi
  sleep 1
done
echo "engine.sh: dockerd did not answer on $SOCKET within 60 s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
