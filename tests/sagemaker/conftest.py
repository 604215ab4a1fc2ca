"""SageMaker-backend fixtures: AWS is the session's moto server on 127.0.0.1, reached through
AWS_ENDPOINT_URL as a user would point boto3 at it; the CreateProcessingJob body is captured on the wire."""

from __future__ import annotations

import contextlib
import json
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from launcher.cli.app import app
from launcher.sagemaker_backend.backend import SageMakerBackend
from launcher.sagemaker_backend.logs import LOG_GROUP
from launcher.sagemaker_backend.settings import SageMakerOptions
from tests.conftest import REGION

ROLE = "arn:aws:iam::123456789012:role/SageMakerProcessing"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/byoc/sklearn:1.0"
MOTO_ACCOUNT = "123456789012"
BUCKET = "bkt"


@pytest.fixture
def aws(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every AWS service at the (reset) moto server, fake credentials, region us-east-1."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    return s3_endpoint


@pytest.fixture
def bucket(aws: str, s3_admin: Any) -> str:
    s3_admin.create_bucket(Bucket=BUCKET)
    return BUCKET


def admin_client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def sagemaker_admin(aws: str) -> Any:
    return admin_client("sagemaker", aws)


@pytest.fixture
def logs_admin(aws: str) -> Any:
    return admin_client("logs", aws)


class Wire:
    """A boto3 session whose CreateProcessingJob bodies are recorded as sent (after the SDK, before moto)."""

    def __init__(self) -> None:
        self.session = boto3.session.Session(region_name=REGION)
        self.sent: list[dict[str, Any]] = []
        self.session.events.register("before-send.sagemaker.CreateProcessingJob", self._record)

    def _record(self, request: Any, **_: Any) -> None:
        self.sent.append(json.loads(request.body))

    def backend(self, **options: Any) -> SageMakerBackend:
        options.setdefault("bucket", BUCKET)
        options.setdefault("poll_seconds", 0.01)
        return SageMakerBackend(SageMakerOptions(**options), boto_session=self.session, sleep=lambda _: None)


@pytest.fixture
def wire(aws: str) -> Wire:
    return Wire()


def moto_job(name: str) -> Any:
    """The moto server's own record of a job (the server runs in this process): tests set its status."""
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[MOTO_ACCOUNT][REGION].processing_jobs[name]


def seed_logs(logs_admin: Any, job_name: str, lines: dict[str, list[str]], *, start_ms: int | None = None) -> None:
    """CloudWatch events as SageMaker writes them: stream `<job>/<host>-<epoch>`, one event per line.

    Host i's line j is stamped start + 10*j + i, so hosts interleave by time."""
    start = start_ms if start_ms is not None else int(time.time() * 1000)
    exists = logs_admin.exceptions.ResourceAlreadyExistsException
    with contextlib.suppress(exists):
        logs_admin.create_log_group(logGroupName=LOG_GROUP)
    for i, (host, messages) in enumerate(sorted(lines.items())):
        stream = f"{job_name}/{host}-1700000000"
        with contextlib.suppress(exists):
            logs_admin.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        events = [{"timestamp": start + 10 * j + i, "message": m} for j, m in enumerate(messages)]
        logs_admin.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)


@pytest.fixture
def write_job(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "job.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def byoc(*args: str) -> Any:
    """`byoc` in this process (so the loopback guard sees its sockets); stdout and stderr apart."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)
