"""`--smoke`: a real job on SageMaker, the cheapest there is: 1 instance of the smallest processing type,
the base image's `inventory` job (it reads the contract's config files and writes one small JSON file to S3),
at most 15 minutes. It proves what reads cannot: that SageMaker can pull the image, assume the role and
write the bucket. It goes through the SageMaker backend, as `byoc run --backend sagemaker` does."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from launcher.definition import JobDefinition, ProcessingOutput, sagemaker_timestamp
from launcher.doctor.aws import AwsSettings
from launcher.doctor.checks import Check, failed, passed
from launcher.errors import LauncherError
from launcher.instance_types import INSTANCE_TYPES

MAX_RUNTIME_SECONDS = 900
OUTPUT_PATH = "/opt/ml/processing/output/inventory"
NAME = "smoke job"


# The cheapest processing type: as small as any (2 vCPUs, 4 GiB, like ml.c5.large and ml.c7i.large) and, being
# burstable, priced below them all.
SMOKE_INSTANCE_TYPE = "ml.t3.medium"
assert SMOKE_INSTANCE_TYPE in INSTANCE_TYPES, "the smoke job's type is a processing instance type"


def smoke_job(settings: AwsSettings, image_uri: str, bucket: str, role: str, prefix: str,
              now: datetime | None = None) -> JobDefinition:
    name = f"byoc-doctor-smoke-{sagemaker_timestamp(now or datetime.now(UTC))}"
    destination = "/".join(part for part in (f"s3://{bucket}", prefix, name, "output", "inventory") if part)
    return JobDefinition(image_uri=image_uri, role=role, job_name=name, instance_count=1,
                         instance_type=SMOKE_INSTANCE_TYPE, arguments=("inventory",),
                         max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
                         outputs=(ProcessingOutput(OUTPUT_PATH, destination, "inventory"),))


def smoke_check(settings: AwsSettings, image_uri: str, region: str, poll_seconds: float = 10.0) -> Check:
    from launcher.sagemaker_backend.backend import SageMakerBackend
    from launcher.sagemaker_backend.settings import DEFAULT_PREFIX, SageMakerOptions

    assert settings.bucket is not None and settings.role is not None, "checked before the smoke job"
    bucket = settings.bucket.removeprefix("s3://").strip("/")
    job = smoke_job(settings, image_uri, bucket, settings.role, DEFAULT_PREFIX)
    backend = SageMakerBackend(SageMakerOptions(bucket=bucket, region=region, default_role=settings.role,
                                                poll_seconds=poll_seconds))
    started = time.monotonic()
    try:
        name = backend.submit(job)
        status = backend.wait(name)
    except LauncherError as error:
        return failed(NAME, f"could not run {job.job_name}: {error}", "fix what it names, then run --smoke again")
    took = f"{time.monotonic() - started:.0f} s"
    what = f"{name} (1 x {job.instance_type}, {image_uri})"
    if status.status == "Completed":
        return passed(NAME, f"{what} Completed in {took}; its inventory went to {job.outputs[0].destination}")
    reason = f": {status.failure_reason}" if status.failure_reason else ""
    return failed(NAME, f"{what} {status.status} after {took}{reason}",
                  f"byoc describe {name} --backend sagemaker; byoc logs {name} --backend sagemaker")
