#!/usr/bin/env bash
# Install, idempotently, the Debian packages the test suite or the benches run for real besides the engine
# (`make engine`): a test whose tool is missing fails, it does not skip, so `make test` installs them first.
#   test-tools.sh [tests]   docker-registry  /usr/bin/docker-registry: tests/push pushes to it on 127.0.0.1
#                           debootstrap      the offline bases (containers/offline-base.sh) the images and the
#                                            second Python start from; installed here, before `make test`
#                                            builds them side by side (apt-get takes one at a time)
#   test-tools.sh bench     docker-compose   SDK v2 local mode runs it (bench.vs_sdk_local_mode)
# A package's own service is neither started nor enabled: the tests start the binary themselves on a
# loopback port, and an open registry on :5000 is not something a test run may leave on a machine.
set -euo pipefail

# binary run -> the Debian package that ships it
FOR=${1:-tests}
declare -A TOOLS
case "$FOR" in
  tests) TOOLS=([/usr/bin/docker-registry]=docker-registry [/usr/sbin/debootstrap]=debootstrap) ;;
  bench) TOOLS=([/usr/bin/docker-compose]=docker-compose) ;;
  *) echo "usage: test-tools.sh [tests|bench]" >&2; exit 2 ;;
esac

missing=()
for binary in "${!TOOLS[@]}"; do
  [ -x "$binary" ] || missing+=("${TOOLS[$binary]}")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" != 0 ]; then
  echo "test-tools.sh: the $FOR need ${missing[*]}; install as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools.sh: the $FOR need Debian's ${missing[*]} and this machine has no apt-get" >&2
  exit 1
fi

# Debian's switch for "install, do not start": invoke-rc.d and deb-systemd-invoke ask policy-rc.d first.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi
echo "test-tools.sh: installing ${missing[*]} (for the $FOR; services left stopped and disabled)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for package in "${missing[@]}"; do
  if [ -d /run/systemd/system ]; then
    systemctl disable --quiet "$package.service" 2>/dev/null || true
  elif [ -x "/etc/init.d/$package" ] && command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d "$package" disable >/dev/null 2>&1 || true
  fi
done
