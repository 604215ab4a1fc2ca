"""docker-py, imported without paramiko unless the engine is reached over ssh.

docker-py imports paramiko whenever it is installed (longer than the rest of docker-py takes to
import), yet uses it only for an `ssh://` DOCKER_HOST. cluster.py, the first of the local backend's
modules to load docker-py, takes it from here, so a job on a local or tcp:// engine does not pay for
paramiko; with an ssh:// engine, or once paramiko is loaded anyway, docker-py is imported as it is.
"""

from __future__ import annotations

import os
import sys


def _import_without_paramiko() -> None:
    if "docker" in sys.modules or "paramiko" in sys.modules or os.environ.get("DOCKER_HOST", "").startswith("ssh://"):
        return
    sys.modules["paramiko"] = None  # type: ignore[assignment]  # docker-py's ssh transport then skips itself
    try:
        import docker  # noqa: F401
    finally:
        del sys.modules["paramiko"]


_import_without_paramiko()

import docker  # noqa: E402
from docker.errors import APIError, DockerException, ImageNotFound, NotFound  # noqa: E402
from docker.types import DeviceRequest  # noqa: E402
from requests.exceptions import RequestException  # noqa: E402  # what docker-py lets through of its transport

__all__ = ["APIError", "DeviceRequest", "DockerException", "ImageNotFound", "NotFound", "RequestException", "docker"]
