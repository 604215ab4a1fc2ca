"""The one CreateProcessingJob request, sent through `sagemaker.processing.Processor(...).run(...)`.

The request comes from `launcher.request` (the one place a definition becomes a request); the Processor
and its run arguments are built from that request, field by field, so the SDK sends exactly it. Every
input source and output destination in it is an S3 URI by now (local inputs uploaded, local outputs
staged), so the SDK never uploads or picks a bucket itself. A dry run goes through the very same
`Processor.run` and stops the request in botocore's `before-call` event, after the SDK built and
serialized it and before it is signed or sent: what it returns is what would go on the wire, and it
needs no credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.session import processing_module, root_logging_kept

CREATE_EVENT = "before-call.sagemaker.CreateProcessingJob"


def processor_for(request: Mapping[str, Any], session: Any) -> Any:
    """The SDK Processor for a CreateProcessingJob request with a role."""
    processing = processing_module()
    app = request["AppSpecification"]
    cluster = request["ProcessingResources"]["ClusterConfig"]
    return processing.Processor(
        role=request["RoleArn"],
        image_uri=app["ImageUri"],
        instance_count=cluster["InstanceCount"],
        instance_type=cluster["InstanceType"],
        entrypoint=app.get("ContainerEntrypoint"),
        volume_size_in_gb=cluster["VolumeSizeInGB"],
        max_runtime_in_seconds=request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds"),
        sagemaker_session=session,
        env=request.get("Environment"),
    )


def run_arguments(request: Mapping[str, Any]) -> dict[str, Any]:
    """`Processor.run`'s arguments for the request's inputs, outputs, arguments and name."""
    processing = processing_module()
    return {
        "inputs": [
            processing.ProcessingInput(
                source=i["S3Input"]["S3Uri"],
                destination=i["S3Input"]["LocalPath"],
                input_name=i["InputName"],
                s3_data_type=i["S3Input"]["S3DataType"],
                s3_input_mode=i["S3Input"]["S3InputMode"],
                s3_data_distribution_type=i["S3Input"]["S3DataDistributionType"],
                s3_compression_type=i["S3Input"]["S3CompressionType"],
            )
            for i in request.get("ProcessingInputs", [])
        ],
        "outputs": [
            processing.ProcessingOutput(
                source=o["S3Output"]["LocalPath"],
                destination=o["S3Output"]["S3Uri"],
                output_name=o["OutputName"],
                s3_upload_mode=o["S3Output"]["S3UploadMode"],
            )
            for o in request.get("ProcessingOutputConfig", {}).get("Outputs", [])
        ],
        "arguments": request["AppSpecification"].get("ContainerArguments"),
        "wait": False,
        "logs": False,
        "job_name": request["ProcessingJobName"],
    }


def submit(request: Mapping[str, Any], session: Any) -> None:
    """Create the processing job through the SDK; an AwsError if the service refuses it."""
    processor = processor_for(request, session)
    with aws_errors("CreateProcessingJob"), root_logging_kept():
        processor.run(**run_arguments(request))


def capture_request(request: Mapping[str, Any], session: Any) -> dict[str, Any]:
    """The CreateProcessingJob body the SDK builds for `request`, without sending it."""
    from botocore.awsrequest import AWSResponse

    captured: dict[str, Any] = {}

    def intercept(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params["body"]
        captured.update(json.loads(body.decode("utf-8") if isinstance(body, bytes) else body))
        arn = f"dry-run:{request['ProcessingJobName']}"
        return AWSResponse(params["url"], 200, {}, None), {"ProcessingJobArn": arn}

    events = session.sagemaker_client.meta.events
    events.register_first(CREATE_EVENT, intercept, unique_id="byoc-dry-run")
    try:
        submit(request, session)
    finally:
        events.unregister(CREATE_EVENT, unique_id="byoc-dry-run")
    return captured
