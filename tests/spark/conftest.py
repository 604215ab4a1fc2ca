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
from launcher.local.options import LocalOptions
from tests.launcher.conftest import left_behind

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
def nothing_left_behind(tmp_path: Path) -> Iterator[None]:
    """No container, network or volume of the jobs this test ran (job folders below tmp_path) outlives it.

    Kept to this test's own jobs, by name: another session running these tests on the same engine has
    `spark-test-*` jobs of its own in flight, which are neither this test's fault nor this test's to remove.
    """
    yield
    client = docker.from_env()
    for job in sorted({record.parent.name for record in tmp_path.rglob("job.json")}):
        left = left_behind(client, job)
        assert not left, f"job {job} left behind: {left}"


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
