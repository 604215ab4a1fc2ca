"""The job's hosts as Docker containers, where each name algo-i resolves (a private network when there are several).

The only module that talks to the engine (docker-py has no type hints; it stays behind this one).
Everything it creates carries the labels below, so `byoc` and the tests can find and sweep it, and
`Cluster` is a context manager that removes its containers and network however the job ends. A network
leased from a pool (network_pool.py) carries the pool's label instead of the job's, and goes back to the
pool, with none of the job's containers on it.

With a `SidecarSpec` (a job with AWS credentials, see credentials.py) each host is two containers: a
sidecar that owns the host's network namespace (its name, alias and address on the job's network, or
its place on the default bridge) and runs beside it, and the host's own container, which joins that
namespace, so the two share a loopback and the host still has one interface. The sidecar is started in
`create()`, while the host's container is created, so it runs before the host's container starts; it is
removed after it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from launcher.errors import EngineError
from launcher.local import network_pool
from launcher.local.dockerpy import (
    APIError,
    DeviceRequest,
    DockerException,
    ImageNotFound,
    NotFound,
    RequestException,
    docker,
)
from launcher.local.network_pool import LABEL_POOL, Lease
from launcher.local.resources import EngineCapacity, HostResources

LABEL_KIT = "byoc.kit"
LABEL_JOB = "byoc.job"
LABEL_HOST = "byoc.host"
LABEL_SIDECAR = "byoc.sidecar"  # on a host's sidecar, naming the host (not LABEL_HOST: that is the host's container)
# The job's folder: two jobs of one name from two jobs folders (two test sessions, say) share an engine
LABEL_FOLDER = "byoc.folder"
KIT = "byoc-processing"
SAGEMAKER_ARCHITECTURE = "amd64"
CLEAR_TIMEOUT_SECONDS = 30.0
CLEAR_POLL_SECONDS = 0.2
# A network with no route out: `internal` drops what the engine would forward, and a bridge without an
# address leaves the containers' default route pointing nowhere, so this machine's own addresses (an S3
# endpoint on it, the credentials endpoint) are out of reach too. Podman's internal networks have no
# default route at all and ignore the option.
ISOLATED_NETWORK: Mapping[str, Any] = {"internal": True, "options": {"com.docker.network.bridge.inhibit_ipv4": "true"}}
MAX_PARALLEL_REQUESTS = 16  # create and start requests in flight at once: the engine serialises more anyway
ENGINE_ADDRESS = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")  # what docker-py's from_env reads
REQUEST_TIMEOUT_SECONDS = 60.0  # docker-py's own default

T = TypeVar("T")

_api_versions: dict[tuple[str | None, ...], str] = {}  # engine address -> its API version, as learnt here (engine())
# `docker info` is used while it is younger than this: a warm `byoc` (launcher/cli/warm.py) takes it afresh every
# INFO_REFRESH_SECONDS while it waits, so the jobs it starts find it taken.
INFO_MAX_AGE_SECONDS = 10.0
INFO_REFRESH_SECONDS = 5.0
INFO_REFRESH_TIMEOUT_SECONDS = 1.0  # per request of a refresh: an engine that hangs must not hold a warm process
_infos: dict[tuple[str | None, ...], tuple[float, Mapping[str, Any]]] = {}  # engine address -> (when, its info)
_refreshes: dict[tuple[str | None, ...], float] = {}  # engine address -> when a refresh was last tried


@dataclass(frozen=True, slots=True)
class HostSpec:
    name: str
    ml: str  # mounted at /opt/ml: a folder of this machine (bind mount), or a volume's name (hostfiles.py)
    environment: Mapping[str, str]
    ml_volume: bool = False


@dataclass(frozen=True, slots=True)
class SidecarSpec:
    """A container beside each host, owning its network namespace; `archive` (a tar) is put at / before it starts."""

    image: str
    entrypoint: tuple[str, ...]
    archive: bytes


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    job_name: str
    folder: str  # the job's folder (LABEL_FOLDER)
    image: str
    entrypoint: tuple[str, ...] | None
    arguments: tuple[str, ...] | None
    hosts: tuple[HostSpec, ...]
    sidecar: SidecarSpec | None = None
    resources: HostResources = field(default_factory=HostResources)  # every host's limits (resources.py)
    # Network isolation: the hosts reach each other and nothing else, on an internal network of the job's
    # own even with one host (the default bridge routes out).
    isolated: bool = False
    # The pool the job's network is leased from and goes back to (network_pool.py); None: the job makes its own
    # network and removes it.
    network_pool: str | None = None


def engine(hosts: int = 1, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Any:
    """A docker-py client of an engine that answers, or an EngineError saying how to get an engine.

    Each host holds two long requests open (wait, logs) while stops and removals run: size the
    connection pool for that, or urllib3 opens and discards connections under load. docker-py asks the
    engine its API version when a client is made, which proves it answers; this process remembers the
    version per engine address, so its later clients (and those of the processes it forks: a job's
    supervisor, a warm `byoc`'s commands) only ping it, in a fifth of the time. A remembered version the
    engine refuses (it was replaced meanwhile) is forgotten, and the version asked again.
    """
    address = _engine_address()
    known = _api_versions.pop(address, None)
    if known is None:  # an engine met for the first time here, or one replaced since: what was known of it goes
        _infos.pop(address, None)
    try:
        client = _answering(docker.from_env(version=known, timeout=timeout, max_pool_size=4 * hosts + 8), known)
    except (DockerException, RequestException) as exc:
        if known is None:
            raise EngineError(
                f"no Docker engine answers ({exc}); start one (`make engine` installs and starts dockerd)"
            ) from exc
        return engine(hosts, timeout)
    _api_versions[address] = str(client.api.api_version)
    return client


def _engine_address() -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in ENGINE_ADDRESS)


def engine_info(client: Any) -> Mapping[str, Any]:
    """The engine's `docker info` (its size, its ID, name and kernel, its runtimes: what changes only when the
    engine is reconfigured and restarted), taken afresh unless this process, or the warm process it was forked
    from, took it less than INFO_MAX_AGE_SECONDS ago from an engine that still answers to the API version it
    had then (`engine`). It is the slowest of the engine's answers a job waits for before its containers are
    made (9 ms here: the engine runs runc and containerd to report their versions)."""
    address = _engine_address()
    known = _infos.get(address)
    if known is not None and time.monotonic() - known[0] < INFO_MAX_AGE_SECONDS:
        return known[1]
    info: Mapping[str, Any] = client.info()
    _infos[address] = (time.monotonic(), info)
    return info


def refresh_engine_info() -> None:
    """For a warm process between its commands: take the engine's info again (see `engine_info`) if the last try
    was INFO_REFRESH_SECONDS ago or more. Best effort and bounded: one request at the API version this process
    learnt (none before it has met the engine), nothing if the engine does not answer it within
    INFO_REFRESH_TIMEOUT_SECONDS, and no new try before INFO_REFRESH_SECONDS. Nothing at all for an engine
    reached over ssh: docker-py's ssh transport runs a thread, and a warm process never has one (it forks). No
    connection is left open: a process forked from this one starts with none."""
    address = _engine_address()
    version = _api_versions.get(address)
    if version is None or (os.environ.get("DOCKER_HOST") or "").startswith("ssh://"):
        return
    if time.monotonic() - _refreshes.get(address, -INFO_REFRESH_SECONDS) < INFO_REFRESH_SECONDS:
        return
    _refreshes[address] = time.monotonic()
    with contextlib.suppress(Exception):  # an engine gone, replaced or failing: the next job asks it itself
        client = docker.from_env(version=version, timeout=INFO_REFRESH_TIMEOUT_SECONDS)
        try:
            _infos[address] = (time.monotonic(), client.info())
        finally:
            client.close()


def _answering(client: Any, known: str | None) -> Any:
    """`client`, once the engine answered it (docker-py asked its version, else a ping); closed if it did not."""
    if known is not None:
        try:
            client.ping()
        except BaseException:
            client.close()
            raise
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


def image_missing(client: Any, image: str) -> str | None:
    """Why `image` cannot run here (it is not in the engine), or None when it can."""
    try:
        client.images.get(image)
    except ImageNotFound:
        return f"the image {image!r} is not in this engine (`make build` builds the kit's images)"
    return None


def engine_capacity(info: Mapping[str, Any]) -> EngineCapacity:
    """The engine's CPUs and memory, and whether it runs NVIDIA GPUs (an `nvidia` runtime), from its `docker info`."""
    return EngineCapacity(cpus=int(info["NCPU"]), memory_bytes=int(info["MemTotal"]),
                          gpus="nvidia" in (info.get("Runtimes") or {}))


def container_name(job_name: str, host: str) -> str:
    """The name a host's container gets unless another jobs folder's job of the same name holds it."""
    return f"byoc-{job_name}-{host}"


def labels(job_name: str, host: str | None = None, *, sidecar_of: str | None = None,
           folder: str | None = None) -> dict[str, str]:
    found = {LABEL_KIT: KIT, LABEL_JOB: job_name}
    if folder is not None:
        found[LABEL_FOLDER] = folder
    if host is not None:
        found[LABEL_HOST] = host
    if sidecar_of is not None:
        found[LABEL_SIDECAR] = sidecar_of
    return found


class Cluster:
    """The job's hosts in the engine, removed however the job ends (`remove()`, or `with`).

    `open()` starts making what the containers will join while the job is being staged, so the job does
    not wait for it: a multi-host job's private network, where each host resolves the others by name.
    A 1-host job needs none (unless it is network-isolated): its container's own name (`algo-1`)
    resolves through the hosts file the engine writes on any network, so it joins the engine's default
    bridge and pays for no network; with a sidecar, the sidecar joins the default bridge under the host's
    name and the host's container shares its namespace and hosts file. Containers are handled by ID
    through the engine's API: one request per host per step, never the extra inspect a docker-py
    `Container` object costs when it is made.

    Names are the job's (`byoc-JOB`, `byoc-JOB-algo-1`) unless the engine holds them already: a job of the
    same name from another jobs folder, running or left by a machine that went down. Then the job's own
    names take a random tag (`byoc-JOB-3fa9c1-algo-1`); the network is used by its ID, never its name.
    """

    def __init__(self, client: Any, spec: ClusterSpec) -> None:
        self.client = client
        self.spec = spec
        self.containers: dict[str, str] = {}  # host -> container ID
        self.names: dict[str, str] = {}  # host -> its container's name
        self.sidecars: dict[str, str] = {}  # host -> its sidecar's container ID
        self._streams: dict[str, Any] = {}  # host -> its output (a docker-py stream) from its start, until taken
        self._tag = secrets.token_hex(3)  # in the names when the job's own are taken
        self._lock = threading.Lock()
        self._network: Future[str] | None = None
        self._lease: Lease | None = None  # on a pooled network (ClusterSpec.network_pool)
        self._opener: ThreadPoolExecutor | None = None

    def __enter__(self) -> Cluster:
        return self.open()

    def open(self) -> Cluster:
        """Start creating the job's private network (if it needs one) in the background; `create()` waits for it."""
        if self._network is None and (len(self.spec.hosts) > 1 or self.spec.isolated):
            self._opener = ThreadPoolExecutor(max_workers=1, thread_name_prefix="network")
            self._network = self._opener.submit(self._create_network)
        return self

    def respec(self, spec: ClusterSpec) -> None:
        """Run the hosts as `spec` says, from `create()` on: what a job learns while its network is being made (its
        hosts' credentials and sidecar). The network depends only on what `spec` must keep."""
        def needs(spec: ClusterSpec) -> tuple[object, ...]:
            return spec.job_name, spec.folder, len(spec.hosts), spec.isolated, spec.network_pool

        if self.containers or self.sidecars or needs(spec) != needs(self.spec):
            raise ValueError("a cluster's spec changes only before its containers, and never its network's needs")
        self.spec = spec

    def _create_network(self) -> str:
        """The job's network; its ID."""
        try:
            if self.spec.network_pool is not None:
                return self._lease_network(self.spec.network_pool)
            marks = labels(self.spec.job_name, folder=self.spec.folder)
            return self._named(lambda name: self._new_network(name, marks), f"byoc-{self.spec.job_name}")
        except APIError as exc:
            raise EngineError(f"could not create the job's network: {exc.explanation or exc}") from exc

    def _new_network(self, name: str, marks: dict[str, str]) -> str:
        """A new network for the job's hosts, labelled `marks`; its ID. Engines before API 1.44 make a second network
        of a taken name unless told."""
        created = self.client.api.create_network(name, driver="bridge", check_duplicate=True, labels=marks,
                                                 **(ISOLATED_NETWORK if self.spec.isolated else {}))
        return str(created["Id"])

    def _pooled(self, pool: str) -> list[dict[str, Any]]:
        """The engine's networks of the pool of this job's kind."""
        kind = network_pool.kind(pool, self.spec.isolated)
        found: list[dict[str, Any]] = self.client.api.networks(filters={"label": [f"{LABEL_POOL}={kind}"]})
        return found

    def _lease_network(self, pool: str) -> str:
        """A free network of the pool, or a new one of it; its ID. A network that still has containers on it (its
        last job's process was killed with them) is left for `byoc clean`; one removed since it was listed (its
        pool being drained) is passed over."""
        api = self.client.api
        for found in self._pooled(pool):
            lease = network_pool.lease(str(found["Name"]))
            if lease is None:
                continue
            try:
                free = not api.inspect_network(found["Id"]).get("Containers")
            except APIError:
                free = False
            if free:
                self._lease = lease
                return str(found["Id"])
            lease.release()
        lease = network_pool.lease(network_pool.new_name())  # taken first: a drain cannot remove it meanwhile
        if lease is None:
            raise EngineError("could not lease a new network of the pool: its name is taken")
        try:
            created = self._new_network(lease.name, {LABEL_KIT: KIT,
                                                     LABEL_POOL: network_pool.kind(pool, self.spec.isolated)})
        except BaseException:
            lease.release()
            raise
        self._lease = lease
        return created

    def _pool_has_room(self, pool: str) -> bool:
        """Whether the pool keeps fewer than `MAX_KEPT` networks of this job's kind, its own included."""
        return len(self._pooled(pool)) <= network_pool.MAX_KEPT

    def _named(self, create: Callable[[str], T], name: str) -> T:
        """`create(name)`, or, when the engine holds that name already, `create` under the name with the job's tag."""
        try:
            return create(name)
        except APIError as exc:
            if exc.status_code != 409:
                raise
        prefix = f"byoc-{self.spec.job_name}"
        return create(f"{prefix}-{self._tag}{name[len(prefix):]}")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.remove()

    def create(self) -> None:
        """Create every host's container (and sidecar) at once, once the network is there; `start()` starts them."""
        self.open()
        network = self._network.result() if self._network is not None else None
        podman = self.spec.sidecar is not None and _is_podman(self.client)
        self._each_host(self.spec.hosts, lambda host: self._create(host, network, podman))

    def start(self) -> None:
        """Start every container at once, as SageMaker starts a job's instances together, and open each one's
        output as soon as it has started (`log_stream`).

        Opening a container's output asks the engine twice (docker-py inspects it first), and the engine is
        slow to answer while it starts the others: opened one host after another once all had started, the
        outputs of 8 hosts took a quarter of a second before the job's end could be waited for.
        """
        self._each_host(tuple(self.containers), self._start)

    def _each_host(self, hosts: tuple[T, ...], action: Callable[[T], None]) -> None:
        with ThreadPoolExecutor(max_workers=min(len(hosts), MAX_PARALLEL_REQUESTS)) as pool:
            futures = [pool.submit(action, host) for host in hosts]
        for future in futures:
            future.result()

    def _create(self, host: HostSpec, network: str | None, podman: bool) -> None:
        try:
            if self.spec.sidecar is None:
                self._keep(self.containers, host.name, self._create_container(host, network, None, podman))
                return
            sidecar = self._keep(self.sidecars, host.name, self._create_sidecar(host, network))
            with ThreadPoolExecutor(max_workers=1) as beside:  # it starts while the host's container is made
                started = beside.submit(self.client.api.start, sidecar)
                self._keep(self.containers, host.name, self._create_container(host, network, sidecar, podman))
                started.result()
        except APIError as exc:
            raise EngineError(f"could not create {host.name}: {exc.explanation or exc}") from exc

    def _keep(self, made: dict[str, str], host: str, container: str) -> str:
        with self._lock:  # remove() must find every container made, even if another host failed
            made[host] = container
        return container

    def _create_sidecar(self, host: HostSpec, network: str | None) -> str:
        """The host's sidecar, under the host's name on the job's network (or the default bridge), its archive in
        place; started by the caller."""
        api, spec = self.client.api, self.spec.sidecar
        assert spec is not None
        sidecar = self._named(lambda name: str(api.create_container(
            spec.image, entrypoint=list(spec.entrypoint), command=[], name=name,
            hostname=host.name, labels=labels(self.spec.job_name, sidecar_of=host.name, folder=self.spec.folder),
            host_config=api.create_host_config(network_mode=network), networking_config=self._alias(host, network),
            detach=True)["Id"]), f"{container_name(self.spec.job_name, host.name)}-sidecar")
        try:
            api.put_archive(sidecar, "/", spec.archive)
        except BaseException:
            _quiet(functools.partial(api.remove_container, sidecar, force=True))
            raise
        return sidecar

    def _start(self, host: str) -> None:
        api, container = self.client.api, self.containers[host]
        try:
            api.start(container)
        except APIError as exc:
            raise EngineError(f"could not start {host}: {exc.explanation or exc}") from exc
        try:  # everything it printed from its start on, however late it is opened
            stream = api.logs(container, stream=True, follow=True, stdout=True, stderr=True)
        except APIError as exc:
            raise EngineError(f"could not read {host}'s output: {exc.explanation or exc}") from exc
        with self._lock:
            self._streams[host] = stream

    def _create_container(self, host: HostSpec, network: str | None, sidecar: str | None, podman: bool) -> str:
        api, spec = self.client.api, self.spec
        entrypoint = list(spec.entrypoint) if spec.entrypoint is not None else None
        # With an entrypoint override Docker drops the image's CMD, as SageMaker does; no arguments = none.
        command = list(spec.arguments) if spec.arguments is not None else None
        binds = {host.ml: {"bind": "/opt/ml", "mode": "rw,nocopy" if host.ml_volume else "rw"}}
        if sidecar is None:  # its own name and place: on the job's network under its alias, or the default bridge
            placement: dict[str, Any] = {"hostname": host.name, "networking_config": self._alias(host, network)}
            network_mode = network
        else:
            # Docker gives a container that joins another's network that one's host name (and hosts file) and
            # refuses its own; Podman keeps a name of its own, so it is told the host's.
            placement = {"hostname": host.name} if podman else {}
            network_mode = f"container:{sidecar}"
        def create(name: str) -> str:
            created = api.create_container(
                spec.image, command=command, entrypoint=entrypoint, name=name,
                environment=dict(host.environment), labels=labels(spec.job_name, host.name, folder=spec.folder),
                host_config=api.create_host_config(binds=binds, network_mode=network_mode, **_limits(spec.resources)),
                detach=True, **placement)
            with self._lock:
                self.names[host.name] = name
            return str(created["Id"])

        return self._named(create, container_name(spec.job_name, host.name))

    def _alias(self, host: HostSpec, network: str | None) -> Any:
        """The host's name as an alias on the job's network, where the other hosts resolve it; None on the default
        bridge, where only its own hosts file names it."""
        if network is None:
            return None
        api = self.client.api
        return api.create_networking_config({network: api.create_endpoint_config(aliases=[host.name])})

    def put_in_sidecars(self, archive: bytes) -> None:
        """Put `archive` (a tar) at / in every host's sidecar, e.g. renewed credentials; gone sidecars are skipped."""
        with self._lock:
            sidecars = list(self.sidecars.values())
        for sidecar in sidecars:
            _quiet(functools.partial(self.client.api.put_archive, sidecar, "/", archive))

    def stop(self, grace_seconds: float) -> None:
        """SIGTERM to every container still running, SIGKILL after the grace period."""
        with self._lock:
            self._each(lambda c: _quiet(lambda: self.client.api.stop(c, timeout=max(0, round(grace_seconds)))))

    def kill(self) -> None:
        self._each(lambda c: _quiet(lambda: self.client.api.kill(c)))

    def wait(self, host: str) -> int:
        """Block until the host's container exits; its exit code."""
        result = self.client.api.wait(self.containers[host])
        return int(result["StatusCode"])

    def log_stream(self, host: str) -> Iterator[bytes]:
        """The host's output from its start until it exits, opened by `start()`; taken once."""
        with self._lock:
            stream: Iterator[bytes] = self._streams.pop(host)
        return stream

    def oom_killed(self, host: str) -> bool:
        try:
            state = self.client.api.inspect_container(self.containers[host]).get("State", {})
        except NotFound:
            return False
        return bool(state.get("OOMKilled"))

    def remove(self, keep: Collection[str] = ()) -> None:
        """Remove the hosts' containers but those of the hosts in `keep` (exited; for `byoc debug`), their
        sidecars, then the network (once it is made, if it is still being made); safe twice."""
        with self._lock:
            gone = [container for host, container in self.containers.items() if host not in keep]
            self.containers.clear()
            untaken, self._streams = list(self._streams.values()), {}
        for stream in untaken:  # a job that failed before its outputs were followed: their connections go
            stream.close()
        # The hosts' containers first: Podman refuses to remove a container others share the network of.
        for made in (gone, list(self.sidecars.values())):
            _in_parallel(lambda c: _quiet(functools.partial(self.client.api.remove_container, c, force=True)), made)
        self.sidecars.clear()
        opener, network = self._opener, self._network
        self._opener, self._network = None, None
        if opener is not None:
            opener.shutdown(wait=True)
        lease, self._lease = self._lease, None
        try:
            if network is not None and network.exception() is None:
                name = network.result()
                pool = self.spec.network_pool
                # A kept host's container stays on it, or the pool is full: the network goes.
                if lease is None or pool is None or keep or not self._pool_has_room(pool):
                    _quiet(lambda: self.client.api.remove_network(name))
        finally:
            if lease is not None:
                lease.release()  # for the pool's next job, with none of this job's containers on it

    def _each(self, action: Callable[[str], None]) -> None:
        _in_parallel(action, list(self.containers.values()))


def _is_podman(client: Any) -> bool:
    components = client.version().get("Components") or []
    return any("podman" in str(component.get("Name", "")).lower() for component in components)


def _in_parallel(action: Callable[[str], None], containers: list[str]) -> None:
    if not containers:
        return
    with ThreadPoolExecutor(max_workers=len(containers)) as pool:  # a stop blocks for the grace period
        list(pool.map(action, containers))


def _limits(resources: HostResources) -> dict[str, Any]:
    """The host config for `resources`: a CPU quota, a memory limit that swap cannot extend, GPUs."""
    options: dict[str, Any] = {}
    if resources.cpus is not None:
        options["nano_cpus"] = round(resources.cpus * 1e9)
    if resources.memory_bytes is not None:
        options["mem_limit"] = options["memswap_limit"] = resources.memory_bytes
    if resources.gpus:
        options["device_requests"] = [DeviceRequest(count=resources.gpus, capabilities=[["gpu"]])]
    return options


def drain_pool(client: Any, pool: str) -> int:
    """Remove the pool's networks (network_pool.py) that no job holds (its warm process is retiring, or `byoc
    clean`); how many were removed."""
    removed = 0
    for found in client.api.networks(filters={"label": [LABEL_POOL]}):
        lease = network_pool.lease(str(found["Name"])) if network_pool.in_pool(found.get("Labels"), pool) else None
        if lease is not None:
            try:
                with contextlib.suppress(APIError):  # gone already, or a killed job's containers still on it
                    client.api.remove_network(found["Id"])
                    removed += 1
            finally:
                lease.release()
    return removed


def sweep(client: Any, job_name: str | None = None, folder: str | None = None) -> int:
    """Remove containers, networks and volumes the kit left behind (all, or one job's: its name and folder, for a
    job of that name from another jobs folder may be running); how many were removed."""
    selector = ([f"{LABEL_KIT}={KIT}"] + ([f"{LABEL_JOB}={job_name}"] if job_name else [])
                + ([f"{LABEL_FOLDER}={folder}"] if folder else []))
    removed = 0
    found = client.containers.list(all=True, filters={"label": selector})
    for container in sorted(found, key=lambda c: LABEL_SIDECAR in (c.labels or {})):  # sidecars after their hosts
        _quiet(functools.partial(container.remove, force=True))
        removed += 1
    for network in client.networks.list(filters={"label": selector}):
        _quiet(network.remove)
        removed += 1
    for volume in client.volumes.list(filters={"label": selector}):  # once no container uses them
        _quiet(functools.partial(volume.remove, force=True))
        removed += 1
    return removed


def clear(client: Any, job_name: str, folder: str, timeout_seconds: float = CLEAR_TIMEOUT_SECONDS,
          keep: Collection[str] = ()) -> list[str]:
    """Remove what the engine holds of one job (its name and folder) until it lists nothing; what is still there
    after `timeout_seconds`.

    A job's teardown removes what it made by reference, each step tolerating an object already gone (404)
    or being removed by someone else (409). Neither says the object is gone when the call returns, and a
    container made for the job outside its cluster (the folder probe, a stager) is not in that list. So
    the job ends only once a listing by its labels comes back empty: nothing of a finished job outlives it.
    The folder keeps a same-named job of another jobs folder out of it. The containers and volumes of the
    hosts in `keep` (`LocalOptions.keep`) stay.
    """
    selector = {"label": [f"{LABEL_KIT}={KIT}", f"{LABEL_JOB}={job_name}", f"{LABEL_FOLDER}={folder}"]}
    deadline = time.monotonic() + timeout_seconds
    while True:
        containers = [c for c in client.containers.list(all=True, filters=selector)
                      if c.labels.get(LABEL_HOST) not in keep]
        networks = client.networks.list(filters=selector)
        volumes = [v for v in client.volumes.list(filters=selector)
                   if (v.attrs.get("Labels") or {}).get(LABEL_HOST) not in keep]
        left = ([f"container {c.name}" for c in containers] + [f"network {n.name}" for n in networks]
                + [f"volume {v.name}" for v in volumes])
        if not left or time.monotonic() >= deadline:
            return left
        for container in containers:
            _quiet(functools.partial(container.remove, force=True))
        for network in networks if not containers else []:  # once no container uses it (else 403): next round
            _quiet(network.remove)
        for volume in volumes:
            _quiet(functools.partial(volume.remove, force=True))
        time.sleep(CLEAR_POLL_SECONDS)


def _quiet(action: Callable[[], object]) -> None:
    """Run a clean-up step whose object may already be gone."""
    try:
        action()
    except NotFound:
        pass
    except APIError as exc:
        if exc.status_code not in (404, 409):
            raise
