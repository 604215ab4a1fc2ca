"""Spark image tests: byoc_spark's parts on the host, and Spark jobs on real containers (local backend)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition
from launcher.local.backend import LocalBackend
from launcher.local.cluster import LABEL_JOB, LABEL_KIT
from launcher.local.options import LocalOptions

REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).parent / "apps"
REVIEWS = REPO / "examples" / "data" / "reviews"
SPARK_IMAGE = f"{os.environ.get('BYOC_IMAGE_PREFIX', 'byoc')}/spark:latest"
JOB_PREFIX = "spark-test"
TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def spark_image() -> str:
    try:
        docker.from_env().images.get(SPARK_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"image {SPARK_IMAGE} is missing: run `make build/spark` (make test builds every image)")
    return SPARK_IMAGE


@pytest.fixture
def nothing_left_behind() -> Iterator[None]:
    """This test's jobs leave no container or network behind.

    Only jobs named `spark-test-*` are looked at: other sessions may be running their own jobs on the
    same engine, and sweeping every kit container would kill those.
    """
    yield
    client = docker.from_env()

    def ours(labels: dict[str, str] | None) -> bool:
        return (labels or {}).get(LABEL_JOB, "").startswith(JOB_PREFIX)

    containers = [c for c in client.containers.list(all=True, filters={"label": LABEL_KIT}) if ours(c.labels)]
    networks = [n for n in client.networks.list(filters={"label": LABEL_KIT}) if ours(n.attrs.get("Labels"))]
    for container in containers:
        container.remove(force=True)
    for network in networks:
        network.remove()
    assert not containers and not networks, f"left behind: {containers} {networks}"


def job_name(label: str) -> str:
    return f"{JOB_PREFIX}-{label}-{uuid.uuid4().hex[:8]}"


def run_local(definition: JobDefinition, jobs_dir: Path, **options: Any) -> JobStatus:
    options.setdefault("stop_grace_seconds", 10)
    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, **options))
    return backend.wait(backend.submit(definition))


def timed_run(request: pytest.FixtureRequest, label: str, definition: JobDefinition, jobs_dir: Path,
              **options: Any) -> JobStatus:
    """run_local, with the wall time kept for the session's summary."""
    started = time.monotonic()
    record = run_local(definition, jobs_dir, **options)
    request.config.stash.setdefault(TIMINGS, {})[label] = time.monotonic() - started
    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    timings = config.stash.get(TIMINGS, {})
    if timings:
        terminalreporter.section("Spark job wall times (local backend)")
        for label, seconds in timings.items():
            terminalreporter.write_line(f"{label:<48} {seconds:6.1f} s")
