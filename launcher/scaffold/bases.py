"""What `byoc init --from` accepts, and what each choice puts in the new project's Dockerfile.

    base | sklearn | spark    the kit's images (byoc/<name>:latest, `byoc build <name>`): Python 3.11 and
                              byoc_runtime are in them already; spark's projects are PySpark apps
    python:TAG                the official Python images: pip installs byoc-runtime from the wheel
                              `byoc init` copies into wheels/ (it is not on PyPI yet)
    IMAGE:TAG | IMAGE@DIGEST  any other image with Python 3.9 or newer, named with a tag or a digest so
                              that the project builds on what was chosen: pip installs the wheel, or, where
                              python3 has no pip (Debian's and Ubuntu's own), it is unpacked into site-packages

A bare name that is not one of the kit's (`sklarn`, `ubuntu`) is refused: a typo of the kit's images
would otherwise be taken for an image on Docker Hub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from launcher.errors import UsageError

KIT_IMAGES = ("base", "sklearn", "spark")
KIT_PREFIX = "byoc"
# Docker's reference grammar (distribution/reference), without its length limits.
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(
    rf"(?P<name>{_HOST}{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?")

_PIP = "python3 -m pip install --no-cache-dir --no-index /tmp/wheels/byoc_runtime-*.whl"
_FROM_KIT = """# The kit's {image} image ({describe}): `byoc build {image}` makes it.
FROM {reference}"""
_FROM_PYTHON = """FROM {reference}
ENV PYTHONUNBUFFERED=1
# byoc_runtime from the wheel `byoc init` copied into wheels/ (byoc-runtime is not on PyPI yet): no index, no network.
COPY wheels/ /tmp/wheels/
RUN """ + _PIP + """ && rm -rf /tmp/wheels"""
_FROM_IMAGE = """FROM {reference}
# Root, as SageMaker runs processing containers: it mounts /opt/ml/processing/* root-owned.
USER root
ENV PYTHONUNBUFFERED=1
# byoc_runtime from the wheel `byoc init` copied into wheels/ (byoc-runtime is not on PyPI yet): pip installs
# it with no index, no network; where python3 has no pip (Debian's and Ubuntu's own python3), the wheel, a zip
# of pure Python, is unpacked into the first site-packages folder, which is on sys.path: all pip would do.
COPY wheels/ /tmp/wheels/
RUN if python3 -m pip --version >/dev/null 2>&1; then \\
      PIP_BREAK_SYSTEM_PACKAGES=1 """ + _PIP + """; \\
    else \\
      site_packages="$(python3 -c 'import site; print(site.getsitepackages()[0])')" \\
      && python3 -m zipfile -e /tmp/wheels/byoc_runtime-*.whl "$site_packages"; \\
    fi \\
    && rm -rf /tmp/wheels"""
_KIT_CONTENTS = {"base": "Python 3.11 and byoc_runtime", "sklearn": "Python 3.11, byoc_runtime, numpy, pandas, "
                 "scikit-learn, pyarrow, boto3", "spark": "PySpark 3.5 on Java 17, Python 3.11, byoc_runtime"}


class ScaffoldError(UsageError):
    """`byoc init` cannot make this project: a bad name, a folder that exists, an unknown --from."""


@dataclass(frozen=True, slots=True)
class Base:
    choice: str  # what --from said
    reference: str  # the image the Dockerfile starts FROM
    kit_image: str | None  # base, sklearn or spark for the kit's images

    @property
    def needs_wheel(self) -> bool:
        """A base without byoc_runtime: the project carries the runtime's wheel."""
        return self.kit_image is None

    @property
    def flavour(self) -> str:
        """Which job the project gets: a PySpark app on the Spark image, a plain Python job elsewhere."""
        return "spark" if self.kit_image == "spark" else "python"

    def from_block(self) -> str:
        """The Dockerfile's lines up to the job: FROM, and the runtime's installation where it is needed."""
        if self.kit_image is not None:
            return _FROM_KIT.format(image=self.kit_image, describe=_KIT_CONTENTS[self.kit_image],
                                    reference=self.reference)
        template = _FROM_PYTHON if self.choice.startswith("python:") else _FROM_IMAGE
        return template.format(reference=self.reference)


def parse_base(choice: str) -> Base:
    """The base `--from` names, or a ScaffoldError listing what it may be."""
    if choice in KIT_IMAGES:
        return Base(choice, f"{KIT_PREFIX}/{choice}:latest", choice)
    match = REFERENCE.fullmatch(choice)
    if match is None or (match["tag"] is None and match["digest"] is None):
        raise ScaffoldError(
            f"unknown --from {choice!r}: one of {', '.join(KIT_IMAGES)} (the kit's images), python:TAG (e.g. "
            f"python:3.12-slim), or any image with Python 3.9 or newer named with a tag or digest "
            f"(e.g. nvidia/cuda:12.4.1-runtime-ubuntu22.04)")
    return Base(choice, choice, None)
