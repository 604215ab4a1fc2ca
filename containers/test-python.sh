#!/usr/bin/env bash
# The launcher's Docker-free tests (`pytest -m "not docker"`) on a second Python: Debian SUITE's own python3
# (trixie: 3.13) in a container, with the pinned dependencies of requirements.lock and the working tree
# mounted read-only, on no network but its loopback. So a newcomer's Python is tested, not assumed.
# Left out: tests/jobs and tests/spark, whose code runs only inside the kit's images (Python 3.11), and
# tests/runtime_wheel, which tests the runtime's wheel on Debian's Pythons itself (with the host's make).
#
#   test-python.sh [SUITE [PYTEST ARGS...]]     SUITE: a Debian release, trixie by default
#
# Built once per machine: the base with debootstrap (containers/offline-base.sh), then an image whose tag
# carries a hash of the lock and the Dockerfile (comment lines aside), so a change to either builds a new
# one and nothing else does. JUNIT_DIR, when set, gets the run's JUnit XML as test-python-SUITE.xml
# (.ci/run counts its skips).
set -euo pipefail

SUITE=${1:-trixie}
shift || true
DOCKER=${DOCKER:-/usr/bin/docker}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
JUNIT_DIR=${JUNIT_DIR:+$(mkdir -p "$JUNIT_DIR" && cd "$JUNIT_DIR" && pwd)}
cd "$(dirname "$0")/.."
BASE=byoc/offline-base:$SUITE
DOCKERFILE=containers/test-python.Dockerfile
IMAGE=byoc/test-python:$SUITE-$(grep -hv "^#" requirements.lock "$DOCKERFILE" | sha256sum | cut -c1-12)

bash containers/offline-base.sh "$BASE" "$SUITE"
if ! "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  context=$(mktemp -d /tmp/byoc-test-python.XXXXXX)
  trap 'rm -rf "$context"' EXIT
  cp requirements.lock "$context/"
  echo "test-python.sh: building $IMAGE (a venv of requirements.lock on $SUITE's python3)" >&2
  secret=()
  if [ -s "$CA_BUNDLE" ]; then secret=(--secret "id=ca_bundle,src=$CA_BUNDLE"); fi
  DOCKER_BUILDKIT=1 "$DOCKER" build --quiet --platform linux/amd64 --build-arg "BASE_IMAGE=$BASE" "${secret[@]}" \
    -f "$DOCKERFILE" -t "$IMAGE" "$context" >/dev/null
fi

mounts=() report=()
if [ -n "$JUNIT_DIR" ]; then
  mounts=(-v "$JUNIT_DIR:/junit")
  report=("--junitxml=/junit/test-python-$SUITE.xml")
fi
# As the caller (root in CI), HOME in /tmp; the tree read-only, so no test may write into it.
"$DOCKER" run --rm --network none --user "$(id -u):$(id -g)" -e HOME=/tmp \
  -v "$PWD:/repo:ro" "${mounts[@]}" "$IMAGE" \
  python -m pytest -p no:cacheprovider -m "not docker" \
  --ignore=tests/jobs --ignore=tests/spark --ignore=tests/runtime_wheel "${report[@]}" "$@"
