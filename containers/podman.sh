#!/usr/bin/env bash
# Podman's Docker-compatible API on a socket of its own, for running the local backend on Podman
# (DOCKER_HOST=unix://<socket>; the tests in tests/podman do). Idempotent, as root (rootful Podman):
# installs Debian's podman with netavark and aardvark-dns (the network stack whose DNS resolves a job's
# host names) if podman is missing, and starts `podman system service` when nothing answers on the socket.
# Images are not shared with Docker's store: `docker save IMAGE | podman load` copies one (tests/podman
# does it for the images it runs). Prints the socket's DOCKER_HOST on stdout.
set -euo pipefail

SOCKET=${BYOC_PODMAN_SOCKET:-/run/byoc-podman/podman.sock}
DIR=$(dirname "$SOCKET")
LOG=${BYOC_PODMAN_LOG:-/var/log/byoc-podman.log}

answers() { podman --url "unix://$1" version >/dev/null 2>&1; }

if command -v podman >/dev/null 2>&1 && answers "$SOCKET"; then
  echo "unix://$SOCKET"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "podman.sh: nothing answers on $SOCKET and starting rootful Podman needs root" >&2
  exit 1
fi
if ! command -v podman >/dev/null 2>&1 || ! dpkg -s netavark aardvark-dns >/dev/null 2>&1; then
  echo "podman.sh: installing Debian's podman, netavark and aardvark-dns" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman netavark aardvark-dns >/dev/null
fi
mkdir -p "$DIR"

# Podman gives containers nofile and nproc limits of 1048576 unless told otherwise, which root cannot grant
# where it lacks CAP_SYS_RESOURCE (containers in containers, some VMs): every container would fail to start.
# So its containers get the limits Podman itself runs with, as Docker's get dockerd's: read from a probe.
probe="$DIR/probe.sock"
rm -f "$probe"
CONTAINERS_CONF=/dev/null podman system service --time=0 "unix://$probe" >/dev/null 2>&1 &
probe_pid=$!
for _ in $(seq 100); do [ -S "$probe" ] && break; sleep 0.1; done
hard() { awk -v name="$1" '$0 ~ name { print $(NF-1) }' "/proc/$probe_pid/limits"; }
nofile=$(hard "Max open files")
nproc=$(hard "Max processes")
kill "$probe_pid" && wait "$probe_pid" 2>/dev/null || true
rm -f "$probe"

# netavark: the default when no CNI networks exist; said explicitly, since Debian's package also ships a CNI
# configuration. The file replaces the system's containers.conf for this service only.
cat >"$DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_backend = "netavark"
EOF

echo "podman.sh: starting podman system service on $SOCKET (log: $LOG)" >&2
rm -f "$SOCKET"
# From /: the service outlives this script, and conmon (which it starts for each container) fails with
# "Failed to get working directory" once the folder it was started from is gone (a removed checkout).
(cd / && CONTAINERS_CONF="$DIR/containers.conf" nohup podman system service --time=0 "unix://$SOCKET" >"$LOG" 2>&1 &)
for _ in $(seq 60); do
  if [ -S "$SOCKET" ] && answers "$SOCKET"; then
    echo "unix://$SOCKET"
    exit 0
  fi
  sleep 0.5
done
echo "podman.sh: Podman did not answer on $SOCKET within 30 s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
