# The README's recipe for an image whose Python has no pip (Debian's python3): a venv, and the runtime's
# wheel pip-installed into it from the build context's wheels/ folder, with no index (no network).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN --mount=type=bind,source=wheels,target=/tmp/wheels \
    python3 -m venv /opt/venv \
    && pip install --no-cache-dir --no-index /tmp/wheels/byoc_runtime-*.whl
