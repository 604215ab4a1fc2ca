"""DescribeProcessingJob and ListProcessingJobs answers as the one JobStatus every client reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from launcher.backend import JobStatus, OutputStatus
from launcher.errors import AwsError, JobNotFoundError
from launcher.sagemaker_backend.errors import aws_errors

# The request's fields that DescribeProcessingJob echoes back.
REQUEST_FIELDS = ("ProcessingInputs", "ProcessingOutputConfig", "ProcessingResources", "StoppingCondition",
                  "AppSpecification", "Environment", "NetworkConfig", "RoleArn", "ExperimentConfig")


def job_status(response: Mapping[str, Any]) -> JobStatus:
    outputs = response.get("ProcessingOutputConfig", {}).get("Outputs", [])
    return JobStatus(
        job_name=response["ProcessingJobName"],
        job_arn=response.get("ProcessingJobArn", ""),
        status=response["ProcessingJobStatus"],
        creation_time=_time(response.get("CreationTime")) or datetime.fromtimestamp(0, UTC),
        request={name: response[name] for name in REQUEST_FIELDS if name in response},
        failure_reason=response.get("FailureReason") or None,
        exit_message=response.get("ExitMessage") or None,
        last_modified_time=_time(response.get("LastModifiedTime")),
        start_time=_time(response.get("ProcessingStartTime")),
        end_time=_time(response.get("ProcessingEndTime")),
        outputs=tuple(OutputStatus(o["OutputName"], o["S3Output"]["S3Uri"]) for o in outputs if "S3Output" in o),
    )


def describe_job(client: Any, job_name: str) -> dict[str, Any]:
    """The raw DescribeProcessingJob response; JobNotFoundError for an unknown name."""
    try:
        with aws_errors("DescribeProcessingJob"):
            response: dict[str, Any] = client.describe_processing_job(ProcessingJobName=job_name)
    except AwsError as error:
        if error.code == "ValidationException" and "could not find" in str(error).lower():
            region = client.meta.region_name
            raise JobNotFoundError(f"no SageMaker processing job named {job_name!r} in {region}") from error
        raise
    return response


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return None
