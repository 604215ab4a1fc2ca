"""A JobDefinition as the CreateProcessingJob request, and as the echo the container reads.

Both backends start from the same request dict: the SageMaker backend sends it, the local backend
writes `to_processing_job_config(request, arn)` to /opt/ml/config/processingjobconfig.json. So a job
sees the same config file on both, and the request shape is tested once, here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from launcher.definition import DEFAULT_MAX_RUNTIME_IN_SECONDS, JobDefinition


def to_create_processing_job_request(
    definition: JobDefinition,
    job_name: str,
    *,
    input_uris: Mapping[str, str] | None = None,
    output_uris: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The CreateProcessingJob request for a valid definition, as `Processor.run` would build it.

    `input_uris` / `output_uris` map an input or output name (the `code` input included) to the URI
    that replaces its source or destination in `S3Uri`: the SageMaker backend passes the s3:// URIs it
    uploaded local data to. A name left out keeps the location as written, local path or file:// URI
    included; the local backend relies on that and reads the `S3Uri` back as the place to copy from
    or to. That is our choice: the service itself only accepts s3:// and https:// there.

    As in the SDK, `ProcessingInputs`, `ProcessingOutputConfig`, `StoppingCondition`,
    `ContainerEntrypoint` and `ContainerArguments` are left out when unset. Ours: `Environment` is
    left out when empty, and `RoleArn` when `role` is None (the service requires it, so the SageMaker
    backend must refuse such a definition; the local backend needs no role).
    """
    job = definition.normalized()
    input_uris = dict(input_uris or {})
    output_uris = dict(output_uris or {})
    _check_names("input_uris", input_uris, {i.input_name for i in job.inputs})
    _check_names("output_uris", output_uris, {o.output_name for o in job.outputs})

    request: dict[str, Any] = {"ProcessingJobName": job_name}
    if job.inputs:
        request["ProcessingInputs"] = [
            {
                "InputName": i.input_name,
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": input_uris.get(i.input_name, i.source),
                    "LocalPath": i.destination,
                    "S3DataType": i.s3_data_type,
                    "S3InputMode": i.s3_input_mode,
                    "S3DataDistributionType": i.s3_data_distribution_type,
                    "S3CompressionType": i.s3_compression_type,
                },
            }
            for i in job.inputs
        ]
    if job.outputs:
        request["ProcessingOutputConfig"] = {
            "Outputs": [
                {
                    "OutputName": o.output_name,
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": output_uris.get(o.output_name, o.destination),
                        "LocalPath": o.source,
                        "S3UploadMode": o.s3_upload_mode,
                    },
                }
                for o in job.outputs
            ]
        }
    request["ProcessingResources"] = {
        "ClusterConfig": {
            "InstanceCount": job.instance_count,
            "InstanceType": job.instance_type,
            "VolumeSizeInGB": job.volume_size_in_gb,
        }
    }
    if job.max_runtime_in_seconds is not None:
        request["StoppingCondition"] = {"MaxRuntimeInSeconds": job.max_runtime_in_seconds}
    app: dict[str, Any] = {"ImageUri": job.image_uri}
    if job.entrypoint is not None:
        app["ContainerEntrypoint"] = list(job.entrypoint)
    if job.arguments is not None:
        app["ContainerArguments"] = list(job.arguments)
    request["AppSpecification"] = app
    if job.env:
        request["Environment"] = dict(job.env)
    if job.role is not None:
        request["RoleArn"] = job.role
    return request


def to_processing_job_config(request: Mapping[str, Any], job_arn: str) -> dict[str, Any]:
    """The processingjobconfig.json echo of a request: the request plus `ProcessingJobArn`, with
    every optional the request left out present as JSON null, as in the documented example.

    Documented (DG-BYOC example): `KmsKeyId`, `VolumeKmsKeyId`, `ContainerEntrypoint`,
    `ContainerArguments` null when unset, and `"S3DownloadMode": "StartOfJob"` in each S3Input
    (an internal key, written for Pipe inputs too). Ours, since no source shows the unset case:
    `Environment` is `{}`, `ProcessingInputs` `[]`, `ProcessingOutputConfig.Outputs` `[]`,
    `RoleArn` null, and `StoppingCondition` carries the 24 h the service applies when none is
    given (`DEFAULT_MAX_RUNTIME_IN_SECONDS`, as SDK local mode writes), so the job can read its
    real deadline. Keys the request has beyond these are copied unchanged.
    """
    req = copy.deepcopy(dict(request))
    app = req.pop("AppSpecification")
    outputs = req.pop("ProcessingOutputConfig", {"Outputs": []})
    cluster = req.pop("ProcessingResources")["ClusterConfig"]
    config: dict[str, Any] = {
        "ProcessingJobArn": job_arn,
        "ProcessingJobName": req.pop("ProcessingJobName"),
        "AppSpecification": {
            "ImageUri": app["ImageUri"],
            "ContainerEntrypoint": app.get("ContainerEntrypoint"),
            "ContainerArguments": app.get("ContainerArguments"),
        },
        "Environment": req.pop("Environment", {}),
        "ProcessingInputs": [
            {**i, "S3Input": {**i["S3Input"], "S3DownloadMode": "StartOfJob"}} if "S3Input" in i else i
            for i in req.pop("ProcessingInputs", [])
        ],
        "ProcessingOutputConfig": {"Outputs": outputs["Outputs"], "KmsKeyId": outputs.get("KmsKeyId")},
        "ProcessingResources": {"ClusterConfig": {**cluster, "VolumeKmsKeyId": cluster.get("VolumeKmsKeyId")}},
        "RoleArn": req.pop("RoleArn", None),
        "StoppingCondition": req.pop("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME_IN_SECONDS}),
    }
    config.update(req)
    return config


def _check_names(argument: str, uris: Mapping[str, str], names: set[str]) -> None:
    """A URI for a name the job does not have is a backend bug; fail loudly instead of dropping it."""
    unknown = sorted(set(uris) - names)
    if unknown:
        raise ValueError(f"{argument} names no {argument.split('_')[0]} of the job: {', '.join(unknown)}")
