"""The local backend on Podman: jobs submitted with DOCKER_HOST pointing at Podman's Docker-compatible API.

`make podman` (containers/podman.sh) installs Debian's podman and serves its API on a socket of its own;
BYOC_PODMAN_SOCKET names another. Podman keeps its own image store and cannot pull here, so the session
copies the images these tests run from Docker's store (`make build` puts them there) when Podman's copy is
not the same image.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import DockerException

from launcher.local.cluster import LABEL_JOB, LABEL_SIDECAR
from tests.engines import copy_image, host_gateway, moto_server
from tests.launcher.conftest import staging  # noqa: F401 (the fixture: bind mounts, then volumes)

PODMAN_SOCKET = os.environ.get("BYOC_PODMAN_SOCKET", "/run/byoc-podman/podman.sock")
IMAGES = ("byoc/base:latest", "byoc/sklearn:latest")


@pytest.fixture(scope="session")
def podman() -> Iterator[Any]:
    """A client of the Podman API, holding the images the tests run."""
    client = docker.DockerClient(base_url=f"unix://{PODMAN_SOCKET}")
    try:
        components = client.version().get("Components") or []
    except DockerException as error:
        pytest.fail(f"no engine answers on {PODMAN_SOCKET} ({error}): run `make podman` (containers/podman.sh)")
    assert any("Podman" in str(c.get("Name")) for c in components), f"{PODMAN_SOCKET} is not Podman: {components}"
    started = time.monotonic()
    loaded = [name for name in IMAGES if copy_image(docker.from_env(), client, name)]
    print(f"podman: loaded {loaded or 'no images'} in {time.monotonic() - started:.1f} s")
    yield client
    client.close()


@pytest.fixture(scope="session")
def podman_moto(podman: Any) -> Iterator[str]:
    """A moto server this process and Podman's containers reach at one URL."""
    with host_gateway(podman, "byoc/base:latest") as address, moto_server(address) as url:
        yield url


@pytest.fixture(autouse=True)
def on_podman(podman: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every job of the test runs on Podman and leaves no container or network there."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{PODMAN_SOCKET}")
    monkeypatch.setenv("NO_PROXY", "*")
    yield
    for job in sorted({record.parent.name for record in tmp_path.rglob("job.json")}):
        selector = {"label": f"{LABEL_JOB}={job}"}
        containers = podman.containers.list(all=True, filters=selector)
        networks = podman.networks.list(filters=selector)
        for container in sorted(containers, key=lambda c: LABEL_SIDECAR in c.labels):  # hosts before sidecars
            container.remove(force=True)
        for network in networks:
            network.remove()
        assert not containers and not networks, f"job {job} left behind: {containers} {networks}"


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    return tmp_path / "jobs"
