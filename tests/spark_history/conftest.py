"""Spark history tests: one real PySpark job's event logs (local backend, Spark image), served by the real
history server in the Spark image; a SageMaker job's logs in the session's moto S3."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.backend import LocalBackend
from launcher.local.options import LocalOptions
from launcher.spark_history.server import LABEL

REPO = Path(__file__).resolve().parents[2]
SPARK_IMAGE = "byoc/spark:latest"
EVENTS_PATH = "/opt/ml/processing/spark-events/"
REVIEWS = REPO / "examples" / "data" / "reviews"


@dataclass(frozen=True, slots=True)
class SparkJob:
    jobs_dir: Path
    name: str
    events: Path  # the output folder the event log was uploaded to


@pytest.fixture(scope="session")
def spark_job(tmp_path_factory: pytest.TempPathFactory) -> SparkJob:
    """A finished 1-instance PySpark job (the bundled preprocess_reviews) that wrote its event log, as the
    SDK's PySparkProcessor(spark_event_logs_s3_uri=...) has it: into a folder an output takes out."""
    try:
        docker.from_env().images.get(SPARK_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"image {SPARK_IMAGE} is missing: run `make build/spark` (make test builds every image)")
    root = tmp_path_factory.mktemp("spark-job")
    job = JobDefinition(
        image_uri=SPARK_IMAGE, job_name=f"spark-history-{uuid.uuid4().hex[:8]}", instance_count=1,
        arguments=("spark-app", "--local-spark-event-logs-dir", EVENTS_PATH, "preprocess_reviews",
                   "--input", "/opt/ml/processing/input/reviews", "--output", "/opt/ml/processing/output/clean"),
        inputs=(ProcessingInput(str(REVIEWS), "/opt/ml/processing/input/reviews", "reviews"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/clean", str(root / "clean"), "clean"),
                 ProcessingOutput(EVENTS_PATH, str(root / "events"), "events", s3_upload_mode="Continuous")))
    backend = LocalBackend(LocalOptions(jobs_dir=root / "jobs", stop_grace_seconds=10))
    status = backend.wait(backend.submit(job))
    assert status.status == "Completed", status.failure_reason
    return SparkJob(root / "jobs", status.job_name, root / "events")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str) -> bytes:
    """The server's answer; the first page of an app parses its whole event log, slow on a busy machine."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=60) as response:
        return bytes(response.read())


class Served:
    """`byoc spark-history ...` running as a user runs it, until `interrupt()` (Ctrl-C)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen([str(Path(sys.executable).parent / "byoc"), "spark-history", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, **env})
        self.lines: list[str] = []

    def wait_for(self, prefix: str, timeout: float = 180) -> str:
        """The first stdout line starting with `prefix`; fails with the command's output if it ends first."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.startswith(prefix):
                return line.rstrip("\n")
        self.process.kill()
        raise AssertionError(f"no {prefix!r} line: {self.lines} {self.process.communicate()}")

    def interrupt(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err


@pytest.fixture
def serve_history(tmp_path: Path) -> Iterator[Any]:
    """Start `byoc spark-history`; whatever happens, it is stopped and no history container is left."""
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        served = Served(list(args), {"TMPDIR": str(tmp_path / "tmp"), **(env or {})})
        started.append(served)
        return served

    (tmp_path / "tmp").mkdir()
    yield start
    for served in started:  # a test that failed midway: Ctrl-C it as a user would, then close its pipes
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGINT)
            try:
                served.process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                served.process.kill()
                served.process.communicate()
        for stream in (served.process.stdout, served.process.stderr):
            if stream is not None:
                stream.close()
    client = docker.from_env()
    left = client.containers.list(all=True, filters={"label": LABEL})
    ours = [c for c in left if c.labels.get(LABEL, "").startswith("spark-history-")]
    for container in ours:
        container.remove(force=True)
    assert not ours, f"history servers left behind: {ours}"
