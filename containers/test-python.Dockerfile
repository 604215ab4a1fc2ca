# A second Python for the launcher's Docker-free tests (containers/test-python.sh): a Debian release's
# own python3 (trixie: 3.13) with requirements.lock in a venv. No repository code is baked in: the run
# mounts the working tree read-only. The build context is a folder holding requirements.lock only.
# The CA bundle comes in as the BuildKit secret `ca_bundle` (see containers/sklearn/Dockerfile).
ARG BASE_IMAGE=byoc/offline-base:trixie
FROM ${BASE_IMAGE}

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1

# Byte-compiled here (pip's default), so that each run does not compile the SDKs again.
RUN --mount=type=secret,id=ca_bundle \
    --mount=type=bind,source=requirements.lock,target=/tmp/requirements.lock \
    --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv "$VIRTUAL_ENV" \
    && if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && pip install --disable-pip-version-check -r /tmp/requirements.lock

WORKDIR /repo
