"""Replay tests: a job that "ran on SageMaker" is created in the moto server through the sagemaker backend (the
SDK's own CreateProcessingJob), with its inputs in moto S3; `byoc replay` reads it back with
DescribeProcessingJob and runs it with real containers of the kit's images.

moto 5.2.5 keeps neither ProcessingResources nor Environment of a processing job, which AWS's
DescribeProcessingJob returns: `faithful_moto` makes the (in-process) moto server keep them, as AWS does.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import docker
import pytest

from launcher.jobfile import load_job_file
from launcher.sagemaker_backend.backend import SageMakerBackend
from launcher.sagemaker_backend.settings import SageMakerOptions
from tests.conftest import REGION
from tests.launcher.conftest import nothing_left_behind  # noqa: F401  (autouse: no container or network outlives a test)
from tests.push.conftest import registry  # noqa: F401  (fixture: a registry on 127.0.0.1)
from tests.sagemaker.conftest import BUCKET, ROLE, aws, bucket  # noqa: F401  (fixtures)

SCRIPTS = Path(__file__).parent / "scripts"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def faithful_moto(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    from moto.sagemaker.responses import SageMakerResponse

    create = SageMakerResponse.create_processing_job

    def create_and_keep(self: Any) -> Any:
        result = create(self)
        job = self.sagemaker_backend.processing_jobs[self._get_param("ProcessingJobName")]
        job.processing_resources = self._get_param("ProcessingResources")
        if self._get_param("Environment"):
            job.environment = self._get_param("Environment")
        return result

    monkeypatch.setattr(SageMakerResponse, "create_processing_job", create_and_keep)
    return aws


@pytest.fixture
def ecr_image() -> Iterator[str]:
    """byoc/base:latest also tagged as an ECR URI, as `byoc push` leaves it in the engine; untagged after."""
    client = docker.from_env()
    uri = f"{ECR}/byoc/base:replay-{secrets.token_hex(4)}"
    repository, tag = uri.rsplit(":", 1)
    client.images.get("byoc/base:latest").tag(repository, tag)
    yield uri
    client.images.remove(uri)


def write_job(folder: Path, image: str, **extra: str) -> Path:
    """A two-host job of the summarize script: a sharded File input, a replicated Pipe input, an S3 output,
    and the fields that have no local effect (VPC, KMS, tags, experiment)."""
    path = folder / "job.yaml"
    path.write_text(textwrap.dedent(f"""\
        image_uri: {image}
        role: {ROLE}
        instance_count: 2
        instance_type: ml.m5.large
        code: {SCRIPTS / 'summarize.py'}
        command: [python3]
        arguments: [report, data, stream]
        env: {{MODE: replay}}
        max_runtime_in_seconds: 600
        volume_kms_key: alias/volumes
        output_kms_key: alias/outputs
        network_config: {{security_group_ids: [sg-0123456789abcdef0], subnets: [subnet-0123456789abcdef0]}}
        tags: {{team: ml, cost-center: "4242"}}
        experiment_config: {{ExperimentName: churn, TrialName: churn-1}}
        inputs:
          - {{input_name: data, source: "s3://{BUCKET}/data/", destination: /opt/ml/processing/input/data,
             s3_data_distribution_type: ShardedByS3Key}}
          - {{input_name: stream, source: "s3://{BUCKET}/stream/", destination: /opt/ml/processing/input/stream,
             s3_input_mode: Pipe}}
        outputs:
          - {{output_name: report, source: /opt/ml/processing/output/report, destination: "s3://{BUCKET}/results/"}}
        """) + "".join(f"{key}: {value}\n" for key, value in extra.items()), encoding="utf-8")
    return path


@pytest.fixture
def data(bucket: str, s3_admin: Any) -> str:  # noqa: F811
    """4 objects to shard (2 per host) and 3 to stream to every host, CSV with a `value` column."""
    for i in range(4):
        s3_admin.put_object(Bucket=bucket, Key=f"data/part-{i}.csv", Body=f"id,value\n{i},{i * 10}\n".encode())
    for i in range(3):
        s3_admin.put_object(Bucket=bucket, Key=f"stream/chunk-{i}.csv", Body=f"id,value\n{i},{i + 100}\n".encode())
    return bucket


@pytest.fixture
def create_on_sagemaker(faithful_moto: str) -> Callable[[Path, str], str]:
    """Create the job of a job file "on SageMaker" (moto), through the sagemaker backend; its name."""

    def create(job_file: Path, name: str) -> str:
        backend = SageMakerBackend(SageMakerOptions(bucket=BUCKET), boto_session=boto3.session.Session(
            region_name=REGION))
        return backend.submit(load_job_file(job_file, job_name=name))

    return create


@pytest.fixture
def pushed_base(registry: str) -> Iterator[tuple[str, str]]:  # noqa: F811
    """byoc/base pushed to the test registry under a repository of its own; (repository, digest). Its local
    tag is removed at once, so only a pull brings it back."""
    client = docker.from_env()
    repository = f"byoc/replay-{secrets.token_hex(4)}"
    target = f"{registry}/{repository}"
    client.images.get("byoc/base:latest").tag(target, "v1")
    digest = None
    for event in client.images.push(target, tag="v1", stream=True, decode=True):
        assert "error" not in event, event
        digest = event.get("aux", {}).get("Digest", digest)
    client.images.remove(f"{target}:v1")
    assert digest is not None
    yield repository, digest
    with contextlib.suppress(docker.errors.NotFound):
        client.images.remove(f"{target}@{digest}")


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: an endpoint that cannot be reached."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
