"""DescribeProcessingJob as the small record `byoc describe` prints, for jobs on SageMaker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from launcher.errors import AwsError, JobNotFoundError
from launcher.sagemaker_backend.errors import aws_errors

TERMINAL = ("Completed", "Failed", "Stopped")


@dataclass(frozen=True, slots=True)
class JobStatus:
    job_name: str
    job_arn: str
    status: str
    failure_reason: str | None = None
    exit_message: str | None = None
    creation_time: str | None = None
    end_time: str | None = None
    instances: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # output name -> S3 URI

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def from_describe(cls, response: dict[str, Any]) -> JobStatus:
        cluster = response.get("ProcessingResources", {}).get("ClusterConfig", {})
        outputs = response.get("ProcessingOutputConfig", {}).get("Outputs", [])
        return cls(
            job_name=response["ProcessingJobName"],
            job_arn=response.get("ProcessingJobArn", ""),
            status=response["ProcessingJobStatus"],
            failure_reason=response.get("FailureReason") or None,
            exit_message=response.get("ExitMessage") or None,
            creation_time=_time(response.get("CreationTime")),
            end_time=_time(response.get("ProcessingEndTime")),
            instances=f"{cluster['InstanceCount']} x {cluster['InstanceType']}" if cluster else "",
            outputs={o["OutputName"]: o["S3Output"]["S3Uri"] for o in outputs if "S3Output" in o},
        )


def describe_job(client: Any, job_name: str) -> dict[str, Any]:
    """The raw DescribeProcessingJob response; JobNotFoundError (exit 2) for an unknown name."""
    try:
        with aws_errors("DescribeProcessingJob"):
            response: dict[str, Any] = client.describe_processing_job(ProcessingJobName=job_name)
    except AwsError as error:
        if error.code == "ValidationException" and "could not find" in str(error).lower():
            region = client.meta.region_name
            raise JobNotFoundError(f"no SageMaker processing job named {job_name!r} in {region}") from error
        raise
    return response


def _time(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return None if value is None else str(value)
