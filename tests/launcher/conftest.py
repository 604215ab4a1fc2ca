"""Local-backend tests: real containers of the images `make build` made, on the real engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.backend import LocalBackend
from launcher.local.cluster import LABEL_HOST, LABEL_JOB
from launcher.local.options import LocalOptions, Staging
from launcher.local.workspace import JobWorkspace
from tests.launcher.remote_engine import RemoteEngine, remote_engine

SCRIPTS = Path(__file__).parent / "scripts"
REPO = Path(__file__).resolve().parents[2]
BASE_IMAGE = "byoc/base:latest"


@pytest.fixture(autouse=True)
def nothing_left_behind(tmp_path: Path) -> Iterator[None]:
    """No container, network or volume of the jobs this test ran (job folders below tmp_path) may outlive it.

    Scoped to this test's own jobs, so concurrent test sessions on one engine do not see each other's.
    """
    yield
    client = docker.from_env()
    for job in sorted({record.parent.name for record in tmp_path.rglob("job.json")}):
        left = left_behind(client, job)
        assert not left, f"job {job} left behind: {left}"


def left_behind(client: Any, job: str) -> list[str]:
    """What of `job` is still in the engine (containers, networks, volumes); removed, so the next test starts clean."""
    selector = {"label": f"{LABEL_JOB}={job}"}
    containers = client.containers.list(all=True, filters=selector)
    networks = client.networks.list(filters=selector)
    volumes = client.volumes.list(filters=selector)
    for container in containers:
        container.remove(force=True)
    for network in networks:
        network.remove()
    for volume in volumes:
        volume.remove(force=True)
    return [f"container {c.name}" for c in containers] + [f"network {n.name}" for n in networks] + [
        f"volume {v.name}" for v in volumes]


@pytest.fixture(params=list(Staging), ids=lambda staging: staging.value)
def staging(request: pytest.FixtureRequest) -> Staging:
    """Each host's /opt/ml bind-mounted, then a Docker volume: a test taking this runs in both."""
    return Staging(request.param)


def touch_in_host(jobs_dir: Path, job: str, host: str, path: str, staging: Staging) -> None:
    """Create an empty file at `path` (under /opt/ml) as the running job's host sees it, wherever it lives."""
    if staging is Staging.BIND:
        JobWorkspace(jobs_dir / job).host_path(host, path).touch()
        return
    client = docker.from_env()
    [volume] = client.volumes.list(filters={"label": [f"{LABEL_JOB}={job}", f"{LABEL_HOST}={host}"]})
    client.containers.run(BASE_IMAGE, [path], entrypoint=["touch"], remove=True,
                          volumes={volume.name: {"bind": "/opt/ml", "mode": "rw"}})


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Path:
    return tmp_path / "jobs"


@pytest.fixture(scope="session")
def second_engine() -> Iterator[RemoteEngine]:
    """A Docker engine that sees none of this machine's folders (dockerd in a container), holding the base image."""
    with remote_engine((BASE_IMAGE,)) as engine:
        yield engine


def behave_job(tmp_path: Path, *args: str, instance_count: int = 1, **fields: Any) -> JobDefinition:
    """The behave.py test script as ScriptProcessor-style code, writing to output `out` -> tmp/out."""
    fields.setdefault("outputs", (ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),))
    return JobDefinition(image_uri=BASE_IMAGE, code=str(SCRIPTS / "behave.py"), command=("python3",),
                         arguments=args, instance_count=instance_count, **fields)


def local_files(folder: Path, count: int) -> ProcessingInput:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"part-{i}.csv").write_text(f"id,value\n{i},{i * i}\n")
    return ProcessingInput(str(folder), "/opt/ml/processing/input/data", "data")


def run_local(definition: JobDefinition, jobs_dir: Path, **options: Any) -> JobStatus:
    """Submit through the local backend (its supervisor a thread of this process) and wait for the end."""
    options.setdefault("stop_grace_seconds", 10)
    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, **options))
    return backend.wait(backend.submit(definition))


def byoc(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The installed `byoc` CLI as a user runs it."""
    return subprocess.run([str(Path(sys.executable).parent / "byoc"), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)


def job_folder(status: JobStatus) -> Path:
    """The local job's folder, which every local JobStatus names."""
    assert status.folder is not None, status
    return Path(status.folder)


def unsized(notices: tuple[str, ...]) -> list[str]:
    """A job's notices but the one saying its instance type was scaled down to this engine (a machine with fewer
    CPUs or less memory than the job asks gets it; test_instance_limits.py asserts it)."""
    return [n for n in notices if not n.startswith("resources scaled down")]
