"""A normalized JobDefinition through `sagemaker.processing.Processor(...).run(...)`, sent or captured.

The mapping is one-to-one, field by field: the definition already uses the SDK's names. Every input
source and output destination must be an S3 URI by now (`uris` holds those of uploaded inputs and
staged outputs), so the SDK never uploads or picks a bucket itself. `--dry-run` goes through the
very same `Processor.run` and stops the request in botocore's `before-call` event, after the SDK
built and serialized it and before it is signed or sent: what it prints is what would go on the
wire, and it needs no credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from launcher.definition import JobDefinition
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.session import processing_module, root_logging_kept

CREATE_EVENT = "before-call.sagemaker.CreateProcessingJob"


def processor_for(job: JobDefinition, session: Any) -> Any:
    """The SDK Processor for a normalized, validated job with a role."""
    processing = processing_module()
    return processing.Processor(
        role=job.role,
        image_uri=job.image_uri,
        instance_count=job.instance_count,
        instance_type=job.instance_type,
        entrypoint=list(job.entrypoint) if job.entrypoint is not None else None,
        volume_size_in_gb=job.volume_size_in_gb,
        max_runtime_in_seconds=job.max_runtime_in_seconds,
        base_job_name=job.base_job_name,
        sagemaker_session=session,
        env=dict(job.env) or None,  # None, not {}: an empty Environment is left out, as the local request does
    )


def run_arguments(job: JobDefinition, job_name: str, uris: Mapping[str, str]) -> dict[str, Any]:
    """`Processor.run`'s arguments: `uris` replaces, by name, the source of each uploaded input and the
    destination of each output staged for download (input and output names may coincide: the
    output's key is `output:<name>`)."""
    processing = processing_module()
    return {
        "inputs": [
            processing.ProcessingInput(
                source=uris.get(i.input_name, i.source),
                destination=i.destination,
                input_name=i.input_name,
                s3_data_type=i.s3_data_type,
                s3_input_mode=i.s3_input_mode,
                s3_data_distribution_type=i.s3_data_distribution_type,
                s3_compression_type=i.s3_compression_type,
            )
            for i in job.inputs
        ],
        "outputs": [
            processing.ProcessingOutput(
                source=o.source,
                destination=uris.get(f"output:{o.output_name}", o.destination),
                output_name=o.output_name,
                s3_upload_mode=o.s3_upload_mode,
            )
            for o in job.outputs
        ],
        "arguments": list(job.arguments) if job.arguments is not None else None,
        "wait": False,
        "logs": False,
        "job_name": job_name,
    }


def submit(job: JobDefinition, job_name: str, uris: Mapping[str, str], session: Any) -> None:
    """Create the processing job through the SDK; an AwsError if the service refuses it."""
    processor = processor_for(job, session)
    with aws_errors("CreateProcessingJob"), root_logging_kept():
        processor.run(**run_arguments(job, job_name, uris))


def capture_request(job: JobDefinition, job_name: str, uris: Mapping[str, str], session: Any) -> dict[str, Any]:
    """The CreateProcessingJob request `submit` would send, without sending it."""
    from botocore.awsrequest import AWSResponse

    captured: dict[str, Any] = {}

    def intercept(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params["body"]
        captured.update(json.loads(body.decode("utf-8") if isinstance(body, bytes) else body))
        return AWSResponse(params["url"], 200, {}, None), {"ProcessingJobArn": f"dry-run:{job_name}"}

    events = session.sagemaker_client.meta.events
    events.register_first(CREATE_EVENT, intercept, unique_id="byoc-dry-run")
    try:
        submit(job, job_name, uris, session)
    finally:
        events.unregister(CREATE_EVENT, unique_id="byoc-dry-run")
    return captured
