#!/usr/bin/env bash
# Make a Docker engine available, idempotently: install Debian's docker.io if dockerd is missing,
# start dockerd if nothing answers on the socket, wait for it. Used by .ci/run and the Makefile.
# On a machine whose engine already runs (Docker Desktop, a systemd service) it starts nothing, and it
# changes nothing else on the host: jobs get their AWS credentials from sidecar containers
# (launcher/local/credentials.py), not from the host's network.
set -euo pipefail

SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}

engine_answers() { /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || docker info >/dev/null 2>&1; }

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
(cd / && nohup dockerd >"$LOG" 2>&1 &)  # from /: it outlives this script and the folder it was started in
for _ in $(seq 60); do
  if [ -S "$SOCKET" ] && engine_answers; then
    exit 0
  fi
  sleep 1
done
echo "engine.sh: dockerd did not answer on $SOCKET within 60 s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
