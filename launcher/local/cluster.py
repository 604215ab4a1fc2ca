"""The job's hosts as Docker containers on one private network, where each name algo-i resolves.

The only module that talks to the engine (docker-py has no type hints; it stays behind this one).
Everything it creates carries the labels below, so `byoc` and the tests can find and sweep it, and
`Cluster` is a context manager that removes its containers and network however the job ends.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from launcher.errors import EngineError

LABEL_KIT = "byoc.kit"
LABEL_JOB = "byoc.job"
LABEL_HOST = "byoc.host"
KIT = "byoc-processing"
SAGEMAKER_ARCHITECTURE = "amd64"


@dataclass(frozen=True, slots=True)
class HostSpec:
    name: str
    ml: str  # mounted at /opt/ml: a folder of this machine (bind mount), or a volume's name (hostfiles.py)
    environment: Mapping[str, str]
    ml_volume: bool = False


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    job_name: str
    image: str
    entrypoint: tuple[str, ...] | None
    arguments: tuple[str, ...] | None
    hosts: tuple[HostSpec, ...]


def engine(hosts: int = 1) -> Any:
    """A docker-py client, or an EngineError saying how to get an engine.

    Each host holds two long requests open (wait, logs) while stops and removals run: size the
    connection pool for that, or urllib3 opens and discards connections under load.
    """
    try:
        client = docker.from_env(max_pool_size=4 * hosts + 8)
        client.ping()
    except DockerException as exc:
        raise EngineError(
            f"no Docker engine answers ({exc}); start one (`make engine` installs and starts dockerd)"
        ) from exc
    return client


def check_image(client: Any, image: str) -> None:
    """The image must be present and linux/amd64: every SageMaker Processing instance type is x86_64."""
    try:
        attrs = client.images.get(image).attrs
    except ImageNotFound:
        raise EngineError(
            f"image_uri {image!r} is not in the local Docker engine: build it (`make build`) or `docker pull` it"
        ) from None
    arch = attrs.get("Architecture")
    if arch != SAGEMAKER_ARCHITECTURE:
        raise EngineError(
            f"image_uri {image!r} is built for {attrs.get('Os')}/{arch}, but SageMaker Processing runs "
            f"linux/amd64 only: rebuild with `--platform linux/amd64`"
        )


def labels(job_name: str, host: str | None = None) -> dict[str, str]:
    found = {LABEL_KIT: KIT, LABEL_JOB: job_name}
    if host is not None:
        found[LABEL_HOST] = host
    return found


class Cluster:
    """The network on enter, the hosts' containers on `create()` and `start()`; on exit everything is removed."""

    def __init__(self, client: Any, spec: ClusterSpec) -> None:
        self.client = client
        self.spec = spec
        self.network: Any = None
        self.containers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Cluster:
        return self.open()

    def open(self) -> Cluster:
        """Create the job's private network; the containers come with `create()`."""
        try:
            self.network = self.client.networks.create(
                f"byoc-{self.spec.job_name}", driver="bridge", labels=labels(self.spec.job_name))
        except APIError as exc:
            raise EngineError(f"could not create the job's network: {exc.explanation or exc}") from exc
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.remove()

    def create(self) -> None:
        """Create every host's container at once; `start()` starts them."""
        self._each_host(self._create)

    def start(self) -> None:
        """Start every container at once, as SageMaker starts a job's instances together."""
        self._each_host(self._start)

    def _each_host(self, action: Callable[[HostSpec], None]) -> None:
        with ThreadPoolExecutor(max_workers=min(len(self.spec.hosts), 8)) as pool:
            futures = [pool.submit(action, host) for host in self.spec.hosts]
        for future in futures:
            future.result()

    def _create(self, host: HostSpec) -> None:
        try:
            container = self._create_container(host)
        except APIError as exc:
            raise EngineError(f"could not create {host.name}: {exc.explanation or exc}") from exc
        with self._lock:  # remove() must find every container made, even if another host failed
            self.containers[host.name] = container

    def _start(self, host: HostSpec) -> None:
        try:
            self.containers[host.name].start()
        except APIError as exc:
            raise EngineError(f"could not start {host.name}: {exc.explanation or exc}") from exc

    def _create_container(self, host: HostSpec) -> Any:
        entrypoint = list(self.spec.entrypoint) if self.spec.entrypoint is not None else None
        # With an entrypoint override Docker drops the image's CMD, as SageMaker does; no arguments = none.
        command = list(self.spec.arguments) if self.spec.arguments is not None else None
        endpoint = self.client.api.create_endpoint_config(aliases=[host.name])
        return self.client.containers.create(
            self.spec.image,
            command=command,
            entrypoint=entrypoint,
            name=f"byoc-{self.spec.job_name}-{host.name}",
            hostname=host.name,
            environment=dict(host.environment),
            volumes={host.ml: {"bind": "/opt/ml", "mode": "rw,nocopy" if host.ml_volume else "rw"}},
            labels=labels(self.spec.job_name, host.name),
            network=self.network.name,
            networking_config={self.network.name: endpoint},
            detach=True,
        )

    def stop(self, grace_seconds: float) -> None:
        """SIGTERM to every container still running, SIGKILL after the grace period."""
        with self._lock:
            self._each(lambda c: _quiet(lambda: c.stop(timeout=max(0, round(grace_seconds)))))

    def kill(self) -> None:
        self._each(lambda c: _quiet(lambda: c.kill()))

    def wait(self, host: str) -> int:
        """Block until the host's container exits; its exit code."""
        result = self.containers[host].wait()
        return int(result["StatusCode"])

    def log_stream(self, host: str) -> Iterator[bytes]:
        stream: Iterator[bytes] = self.containers[host].logs(stream=True, follow=True, stdout=True, stderr=True)
        return stream

    def oom_killed(self, host: str) -> bool:
        container = self.containers[host]
        _quiet(container.reload)
        return bool(container.attrs.get("State", {}).get("OOMKilled"))

    def remove(self) -> None:
        self._each(lambda c: _quiet(lambda: c.remove(force=True)))
        self.containers.clear()
        if self.network is not None:
            _quiet(self.network.remove)
            self.network = None

    def _each(self, action: Callable[[Any], None]) -> None:
        containers = list(self.containers.values())
        if not containers:
            return
        with ThreadPoolExecutor(max_workers=len(containers)) as pool:
            list(pool.map(action, containers))


def sweep(client: Any, job_name: str | None = None) -> int:
    """Remove containers, networks and volumes the kit left behind (all, or one job's); how many were removed."""
    selector = [f"{LABEL_KIT}={KIT}"] + ([f"{LABEL_JOB}={job_name}"] if job_name else [])
    removed = 0
    for container in client.containers.list(all=True, filters={"label": selector}):
        _quiet(functools.partial(container.remove, force=True))
        removed += 1
    for network in client.networks.list(filters={"label": selector}):
        _quiet(network.remove)
        removed += 1
    for volume in client.volumes.list(filters={"label": selector}):  # once no container uses them
        _quiet(functools.partial(volume.remove, force=True))
        removed += 1
    return removed


def _quiet(action: Callable[[], object]) -> None:
    """Run a clean-up step whose object may already be gone."""
    try:
        action()
    except NotFound:
        pass
    except APIError as exc:
        if exc.status_code not in (404, 409):
            raise
