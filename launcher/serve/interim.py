"""TEMPORARY, until `launcher.request` has `definition_from_request`: replaced at merge by that one, and
this module deleted.

The inverse of `launcher.request.to_create_processing_job_request` for the fields the definition holds today.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput


def definition_from_request(request: Mapping[str, Any]) -> JobDefinition:
    app = request["AppSpecification"]
    cluster = request["ProcessingResources"]["ClusterConfig"]
    inputs = tuple(
        ProcessingInput(source=i["S3Input"]["S3Uri"], destination=i["S3Input"]["LocalPath"], input_name=i["InputName"],
                        s3_data_type=i["S3Input"].get("S3DataType", "S3Prefix"),
                        s3_input_mode=i["S3Input"].get("S3InputMode", "File"),
                        s3_data_distribution_type=i["S3Input"].get("S3DataDistributionType", "FullyReplicated"),
                        s3_compression_type=i["S3Input"].get("S3CompressionType", "None"))
        for i in request.get("ProcessingInputs", []))
    outputs = tuple(
        ProcessingOutput(source=o["S3Output"]["LocalPath"], destination=o["S3Output"]["S3Uri"],
                         output_name=o["OutputName"], s3_upload_mode=o["S3Output"].get("S3UploadMode", "EndOfJob"))
        for o in request.get("ProcessingOutputConfig", {}).get("Outputs", []))
    entrypoint, arguments = app.get("ContainerEntrypoint"), app.get("ContainerArguments")
    return JobDefinition(
        image_uri=app["ImageUri"], role=request.get("RoleArn"), instance_count=cluster["InstanceCount"],
        instance_type=cluster["InstanceType"], volume_size_in_gb=cluster["VolumeSizeInGB"],
        entrypoint=tuple(entrypoint) if entrypoint is not None else None,
        arguments=tuple(arguments) if arguments is not None else None,
        env=dict(request.get("Environment", {})), job_name=request["ProcessingJobName"],
        max_runtime_in_seconds=request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds"),
        inputs=inputs, outputs=outputs)

