"""The local backend run by a user without root, against that user's rootless Docker.

`make rootless` (containers/rootless.sh) creates the user byoc-rootless, starts rootless Docker for it
and gives it a venv of the launcher's dependencies; the tests run `byoc` as that user, from this
checkout, in a folder the user owns, as someone who has no root would. The images are copied from
Docker's store into the rootless engine's when its copy is not the same image.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import DockerException

from launcher.local.cluster import LABEL_JOB
from tests.engines import copy_image

USER = os.environ.get("BYOC_ROOTLESS_USER", "byoc-rootless")
SOCKET = f"/run/{USER}/docker.sock"
VENV = Path(f"/var/lib/{USER}/venv")
REPO = Path(__file__).resolve().parents[2]
IMAGES = ("byoc/base:latest", "byoc/sklearn:latest")


@pytest.fixture(scope="session")
def rootless() -> Iterator[Any]:
    """A client of the rootless engine (as root, for inspection), holding the images the tests run."""
    client = docker.DockerClient(base_url=f"unix://{SOCKET}")
    try:
        security = client.info().get("SecurityOptions") or []
    except DockerException as error:
        pytest.fail(f"no engine answers on {SOCKET} ({error}): run `make rootless` (containers/rootless.sh)")
    assert "name=rootless" in security, f"{SOCKET} is not a rootless engine: {security}"
    assert (VENV / "bin" / "python").exists(), f"{VENV} is missing: run `make rootless`"
    for name in IMAGES:
        copy_image(docker.from_env(), client, name)
    yield client
    client.close()


class RootlessUser:
    """Runs `byoc` as the rootless user, in a folder that user owns."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def own(self) -> None:
        account = pwd.getpwnam(USER)
        for path in [self.folder, *self.folder.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)

    def byoc(self, *args: str, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
        self.own()
        settings = {"HOME": f"/var/lib/{USER}", "DOCKER_HOST": f"unix://{SOCKET}", "PYTHONPATH": str(REPO),
                    "PYTHONDONTWRITEBYTECODE": "1", "BYOC_JOBS_DIR": str(self.folder / "jobs"),
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*", **(env or {})}
        command = ["runuser", "-u", USER, "--", "env", *(f"{k}={v}" for k, v in settings.items()),
                   str(VENV / "bin" / "python"), "-c", "from launcher.cli import main; main()", *args]
        return subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def user(rootless: Any) -> Iterator[RootlessUser]:
    """A folder of the rootless user's; its jobs leave no container or network in the engine."""
    folder = Path(tempfile.mkdtemp(prefix="byoc-rootless-"))
    try:
        yield RootlessUser(folder)
        for record in sorted((folder / "jobs").glob("*/job.json")):
            selector = {"label": f"{LABEL_JOB}={record.parent.name}"}
            containers = rootless.containers.list(all=True, filters=selector)
            networks = rootless.networks.list(filters=selector)
            for container in containers:
                container.remove(force=True)
            for network in networks:
                network.remove()
            assert not containers and not networks, f"{record.parent.name} left behind: {containers} {networks}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


