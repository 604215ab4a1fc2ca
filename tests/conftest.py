"""Session-wide test set-up: no test sees the developer's AWS settings or reaches past this machine."""

from __future__ import annotations

import functools
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

# Ryuk (testcontainers' reaper) is an image pulled from a registry; our fixtures clean up after themselves.
# Set before testcontainers is imported: it reads its configuration at import time.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


# Every test in these folders drives the Docker engine, through its folder's fixtures if not in its own body;
# elsewhere a test that does carries `@pytest.mark.docker` itself. `pytest -m "not docker"` runs without an
# engine (make test-py313 runs it so on a second Python).
ENGINE_FOLDERS = frozenset({"check", "containers", "debug", "doctor", "examples", "launcher", "podman", "push",
                            "rootless", "serve", "spark_history", "tool"})
TESTS = Path(__file__).parent

# A suite started in the background of a script (`make test &`) inherits SIGINT ignored, as does every process
# it starts, and then the tests that press Ctrl-C on `byoc` would see it ignored and wait for nothing. The
# suite is a foreground program whatever started it: Ctrl-C is delivered again, to it and to its children.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else None
        if folder in ENGINE_FOLDERS:
            item.add_marker(pytest.mark.docker)


class OutboundConnectionError(RuntimeError):
    """A test tried to reach a host other than this machine.

    Not an OSError on purpose: urllib3 would retry that and report a vague "could not connect".
    botocore wraps it in HTTPClientError, whose message keeps the address.
    """


_blocked: list[str] = []

@functools.cache
def _is_this_machine(host: object) -> bool:
    """Loopback, or an address one of this machine's interfaces holds (the gateway of a Docker network, where
    the tests' S3 server listens for containers): binding to it succeeds only then."""
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return True
    if address.is_unspecified or address.is_multicast:
        return False
    family = socket.AF_INET6 if isinstance(address, ipaddress.IPv6Address) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True


def _refuse(what: str) -> OutboundConnectionError:
    _blocked.append(what)
    return OutboundConnectionError(f"tests may only reach this machine's own addresses; refused {what}")


@pytest.fixture(autouse=True, scope="session")
def loopback_only() -> Iterator[list[str]]:
    """Fail any connection (or name lookup) leaving this machine, for the whole session.

    Unix sockets (the Docker engine) and TCP to this machine's own addresses (moto, the test registry)
    pass; so does `getaddrinfo` of `localhost`, of numeric addresses of this machine, and of None (a
    server binding). Subprocesses and containers are not affected: they are not this interpreter.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_this_machine(address[0]):
            raise _refuse(f"a connection to {address[0]}:{address[1]}")

    def connect(self: Any, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: Any, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_this_machine(host.decode() if isinstance(host, bytes) else host):
            raise _refuse(f"a name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    try:
        yield _blocked
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


@pytest.fixture(autouse=True, scope="session")
def no_warm_byoc_left() -> Iterator[None]:
    """`byoc` runs cold in every process the session starts, from session fixtures on (an installed `byoc` of its
    own venv too), so none leaves a warm process behind (launcher/cli/warm.py); tests/launcher/test_warm.py turns
    warm starts on in its own runs, and the one it may leave is sent away at the end."""
    os.environ["BYOC_WARM_SECONDS"] = "0"
    yield
    from launcher.cli.handover import retire

    retire()


@pytest.fixture(autouse=True)
def nothing_reached_outside(loopback_only: list[str]) -> Iterator[None]:
    """Fail the test even if the code under test swallowed the refusal (an SDK retrying, telemetry)."""
    before = len(loopback_only)
    yield
    attempts = loopback_only[before:]
    assert not attempts, f"this test tried to leave 127.0.0.1: {'; '.join(attempts)}"


@pytest.fixture(autouse=True)
def clean_aws_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Strip AWS_* and point boto at empty config files, so nothing depends on (or leaks) real credentials; and run
    `byoc` cold."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SAGEMAKER_", "BYOC_")):
            monkeypatch.delenv(name)
    empty = tmp_path_factory.mktemp("no-aws-config") / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("BYOC_WARM_SECONDS", "0")  # stripped above with BYOC_*: cold, see no_warm_byoc_left
    yield


REGION = "us-east-1"


@pytest.fixture(scope="session")
def container_moto() -> Iterator[str]:
    """A real moto server that this process and the Docker engine's containers reach at one URL (tests/engines.py)."""
    import docker

    from tests.engines import host_gateway, moto_server

    with host_gateway(docker.from_env(), "byoc/base:latest") as address, moto_server(address) as url:
        yield url


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (any free port), shared by the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server, emptied, with fake credentials in the environment (for this test only)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")) as response:
        assert response.status == 200
    return moto_endpoint


@pytest.fixture(scope="session")
def s3_admin_client(moto_endpoint: str) -> Any:
    client: Any = boto3.session.Session().client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client


@pytest.fixture
def s3_admin(s3_endpoint: str, s3_admin_client: Any) -> Any:
    """A plain boto3 client to arrange and inspect the (reset) server's state."""
    return s3_admin_client


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ (job files, code; the Spark app it refers to) with freshly generated sample data."""
    repo = TESTS.parent
    root = tmp_path_factory.mktemp("repo")
    copy = root / "examples"
    shutil.copytree(repo / "examples", copy, ignore=shutil.ignore_patterns("output", "ecg", "houses", "__pycache__"))
    shutil.copytree(repo / "entrypoints/spark_jobs", root / "entrypoints/spark_jobs")
    subprocess.run([sys.executable, str(copy / "data/generate.py"), "--out", str(copy / "data")], check=True,
                   capture_output=True)
    return copy
