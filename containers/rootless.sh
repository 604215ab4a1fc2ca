#!/usr/bin/env bash
# Rootless Docker for a user of its own, so the local backend can be run as that user against an engine
# without root (tests/rootless does). Idempotent, as root:
#   - installs Debian's rootlesskit, slirp4netns and uidmap (and acl) if missing;
#   - creates the system user byoc-rootless with subordinate uid/gid ranges, if missing;
#   - lets that user open /dev/net/tun (slirp4netns needs it; Debian's udev makes it 0666, a machine
#     without udev leaves it 0600): an ACL for that user only;
#   - starts dockerd-rootless.sh as that user when nothing answers on its socket;
#   - makes that user a venv of the launcher's dependencies from Debian's python3 (the repository's
#     .venv may use a Python in root's home, which the user cannot run); the launcher's own code is
#     run from the checkout through PYTHONPATH.
# Prints the engine's DOCKER_HOST on stdout.
set -euo pipefail

ROOTLESS_USER=${BYOC_ROOTLESS_USER:-byoc-rootless}
HOME_DIR=/var/lib/$ROOTLESS_USER
RUNTIME_DIR=/run/$ROOTLESS_USER
SOCKET=$RUNTIME_DIR/docker.sock
LOG=${BYOC_ROOTLESS_LOG:-/var/log/byoc-rootless-dockerd.log}
VENV=$HOME_DIR/venv
REPO=$(cd "$(dirname "$0")/.." && pwd)
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [ "$(id -u)" != 0 ]; then
  echo "rootless.sh: setting up rootless Docker for $ROOTLESS_USER needs root" >&2
  exit 1
fi
as_user() {
  runuser -u "$ROOTLESS_USER" -- env HOME="$HOME_DIR" XDG_RUNTIME_DIR="$RUNTIME_DIR" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
answers() { /usr/bin/docker -H "unix://$SOCKET" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

missing=()
for tool in rootlesskit slirp4netns newuidmap setfacl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! /usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "rootless.sh: installing rootlesskit, slirp4netns, uidmap, acl and python3-venv (missing: ${missing[*]})" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    rootlesskit slirp4netns uidmap acl python3-venv >/dev/null
fi

if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
  echo "rootless.sh: creating the system user $ROOTLESS_USER" >&2
  useradd --system --create-home --home-dir "$HOME_DIR" --shell /usr/sbin/nologin "$ROOTLESS_USER"
fi
if ! grep -q "^$ROOTLESS_USER:" /etc/subuid || ! grep -q "^$ROOTLESS_USER:" /etc/subgid; then
  # A range no other entry uses: past the highest one in either file.
  start=$(awk -F: 'BEGIN { top = 100000 } { if ($2 + $3 > top) top = $2 + $3 } END { print top }' /etc/subuid /etc/subgid)
  usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$ROOTLESS_USER"
fi
if ! as_user test -r /dev/net/tun -a -w /dev/net/tun; then
  setfacl -m "u:$ROOTLESS_USER:rw" /dev/net/tun
fi
install -d -m 700 -o "$ROOTLESS_USER" -g "$(id -gn "$ROOTLESS_USER")" "$RUNTIME_DIR"

# The launcher's dependencies, pinned as in the repository's lock; rebuilt when the lock changes.
stamp=$(sha256sum "$REPO/requirements.lock" | cut -d' ' -f1)
if [ "$(cat "$VENV/.lock-sha256" 2>/dev/null)" != "$stamp" ]; then
  echo "rootless.sh: making $VENV (the launcher's dependencies, for $ROOTLESS_USER)" >&2
  deps=$(sed -n '/^dependencies = \[/,/^\]/p' "$REPO/pyproject.toml" | grep -o '"[^"]*"' | tr -d '"' | grep -v matplotlib)
  rm -rf "$VENV"
  as_user /usr/bin/python3 -m venv "$VENV"
  as_user env ${CA_BUNDLE:+PIP_CERT="$CA_BUNDLE"} "$VENV/bin/pip" install -q --disable-pip-version-check \
    -c "$REPO/requirements.lock" $deps
  echo "$stamp" | as_user tee "$VENV/.lock-sha256" >/dev/null
fi

if answers; then
  echo "unix://$SOCKET"
  exit 0
fi
echo "rootless.sh: starting rootless dockerd for $ROOTLESS_USER on $SOCKET (log: $LOG)" >&2
touch "$LOG" && chown "$ROOTLESS_USER" "$LOG"
# Its networks take addresses no root engine hands out by default (172.17-31.x, 192.168.x): the rootless
# engine's networks live in a namespace of their own, so a subnet both engines chose would hide, from the
# rootless containers, a server on this machine at the root engine's address (tests/engines.py's moto).
(cd / && as_user nohup /usr/share/docker.io/contrib/dockerd-rootless.sh \
  --bip 10.213.0.1/24 --default-address-pool base=10.214.0.0/16,size=24 >"$LOG" 2>&1 &)  # from /, as dockerd
for _ in $(seq 60); do
  if answers; then
    echo "unix://$SOCKET"
    exit 0
  fi
  sleep 1
done
echo "rootless.sh: rootless dockerd did not answer on $SOCKET within 60 s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
