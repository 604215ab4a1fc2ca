# The README's recipe for an image that must stay without pip (the kit's base image does this): the
# wheel, a zip, unpacked into the first site-packages folder, which is on sys.path.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN --mount=type=bind,source=wheels,target=/tmp/wheels \
    python3 -m zipfile -e /tmp/wheels/byoc_runtime-*.whl "$(python3 -c 'import site; print(site.getsitepackages()[0])')"
