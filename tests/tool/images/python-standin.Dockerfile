# Stands in for an official python:TAG image, which no registry here serves: Debian trixie's Python 3.13
# (byoc/offline-base:trixie, debootstrapped) with pip, where python:* images keep theirs: python3 and pip
# first on PATH, installing where python3 imports from. Tagged python:<something> by tests/tool, so that
# `byoc init --from python:TAG` is built FROM it exactly as it would be FROM python:3.13-slim.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN python3 -m venv /usr/local/python && python3 -m pip --version
CMD ["python3"]
