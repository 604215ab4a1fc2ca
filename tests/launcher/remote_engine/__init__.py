"""A second Docker engine that sees none of this machine's folders: tests of engines without a shared filesystem.

dockerd runs in a container of the image `make test-engine` builds from ./Dockerfile (tagged with the
Dockerfile's hash, so it is built once per machine and rebuilt when it changes), with /var/lib/docker on a
volume of its own, and answers on tcp://127.0.0.1:<free port>. Its filesystem is the container's: a
bind mount of a host path there finds nothing of the host's. The kit's images go in through the two
engines' APIs (`docker save | docker load`), as they would reach any engine without a registry.

Not `--privileged`: some hosts keep a capability out of the bounding set (CAP_SYS_RESOURCE here), which
runc cannot grant, so the engine gets every capability but that one, no seccomp or AppArmor profile,
the devices and, on a cgroup v1 host, the host's cgroup tree.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound
from docker.types import Mount

DOCKERFILE = Path(__file__).parent / "Dockerfile"
LABEL = "byoc.test-engine"
START_TIMEOUT = 60.0


def engine_image() -> str:
    """The tag `make test-engine` gives the image (the Makefile hashes the same file the same way)."""
    return f"byoc/test-engine:{hashlib.sha256(DOCKERFILE.read_bytes()).hexdigest()[:12]}"


@dataclass(frozen=True)
class RemoteEngine:
    url: str  # for DOCKER_HOST
    client: Any  # docker-py client of this engine

    def has_container_of(self, job: str) -> bool:
        return bool(self.client.containers.list(all=True, filters={"label": f"byoc.job={job}"}))


@contextmanager
def remote_engine(images: tuple[str, ...]) -> Iterator[RemoteEngine]:
    """Start the engine, load `images` into it from the local engine, and remove it (and its volume) at the end."""
    local = docker.from_env()
    tag = engine_image()
    try:
        local.images.get(tag)
    except ImageNotFound:
        raise AssertionError(f"image {tag} is missing: run `make test-engine` (make test builds it)") from None
    cgroup_v1 = str(local.info().get("CgroupVersion", "1")) == "1"
    container = local.containers.run(
        tag, detach=True, labels={LABEL: "1"},
        cap_add=["ALL"], cap_drop=["SYS_RESOURCE"], security_opt=["seccomp=unconfined", "apparmor=unconfined"],
        device_cgroup_rules=["a *:* rwm"], tmpfs={"/run": ""},
        cgroupns="host" if cgroup_v1 else "private",
        volumes={"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}} if cgroup_v1 else {},
        mounts=[Mount("/var/lib/docker", None, type="volume")],  # overlay2 needs a real filesystem under it
        ports={"2375/tcp": ("127.0.0.1", None)},
    )
    try:
        url = _url(container)
        client = _answering(url, container)
        for image in images:
            for line in client.api.load_image(local.images.get(image).save(named=image)):  # done once drained
                assert "error" not in line, f"loading {image} into the test engine failed: {line}"
            client.images.get(image)
        yield RemoteEngine(url, client)
    finally:
        container.remove(force=True, v=True)


def _url(container: Any) -> str:
    container.reload()
    port = container.attrs["NetworkSettings"]["Ports"]["2375/tcp"][0]["HostPort"]
    return f"tcp://127.0.0.1:{port}"


def _answering(url: str, container: Any) -> Any:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            client = docker.DockerClient(base_url=url)
            client.ping()
            return client
        except DockerException:
            container.reload()
            if container.status != "running" or time.monotonic() > deadline:
                logs = container.logs(tail=20).decode(errors="replace")
                raise AssertionError(f"the test engine did not answer on {url} ({container.status}):\n{logs}") from None
            time.sleep(0.2)
