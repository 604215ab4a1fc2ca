"""The one CreateProcessingJob request, sent through `sagemaker.core.processing.Processor(...).run(...)`.

The request comes from `launcher.request` (the one place a definition becomes a request); the Processor
and its run arguments are built from that request, its inputs and outputs turned into the SDK's own
shapes by the SDK's own codec. Every input source and output destination in it is an S3 URI by now
(local inputs uploaded, local outputs staged), so the SDK never uploads or picks a bucket itself.

sagemaker-core 2.27's Processor cannot carry three things the request may hold (`SDK_GAPS`); they are
put back from the request in botocore's `before-parameter-build` event, after the SDK has built its
parameters and before botocore serializes them. Anything else that differs from the request (a
future SDK dropping or adding a member, tags from a SageMaker Studio project file) fails the call
there, naming each difference, before anything is signed or sent: what reaches the wire is the
request, field for field.

A dry run goes through the very same `Processor.run` and stops the call in botocore's `before-call`
event, after serialization and before signing: what it returns is what would go on the wire, and it
needs no credentials.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from launcher.errors import BackendError
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.session import processing_module, root_logging_kept

OPERATION = "sagemaker.CreateProcessingJob"
HANDLER_ID = "byoc-request"

# What sagemaker-core 2.27's Processor.run does not send, and why (tests/sagemaker check the list is exact).
SDK_GAPS = (
    "ProcessingInputs[i].DatasetDefinition: `_processing_input_to_request_dict` writes S3Input only",
    "ProcessingOutputConfig.Outputs[i] with FeatureStoreOutput: `_normalize_outputs` reads every output's "
    "S3Output, so such outputs cannot be given to the Processor at all",
    "ProcessingOutputConfig with a KmsKeyId and no Outputs: `_get_process_request` leaves it out",
)


class SdkRequestError(BackendError):
    """The SDK would send something other than the request: a bug to report, caught before anything is sent."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        super().__init__(
            "the SageMaker SDK built a CreateProcessingJob request that differs from the job's, so nothing was "
            f"sent: {'; '.join(differences)}. What the SDK added belongs in the job file if you want it (a SageMaker "
            "Studio project's .sagemaker-code-config makes it add sagemaker:project-* tags); anything else is a bug")


def processor_for(request: Mapping[str, Any], session: Any) -> Any:
    """The SDK Processor for a CreateProcessingJob request with a role."""
    processing = processing_module()
    from sagemaker.core.network import NetworkConfig

    app = request["AppSpecification"]
    cluster = request["ProcessingResources"]["ClusterConfig"]
    network = request.get("NetworkConfig")
    vpc = (network or {}).get("VpcConfig", {})
    return processing.Processor(
        role=request["RoleArn"],
        image_uri=app["ImageUri"],
        instance_count=cluster["InstanceCount"],
        instance_type=cluster["InstanceType"],
        entrypoint=app.get("ContainerEntrypoint"),
        volume_size_in_gb=cluster["VolumeSizeInGB"],
        volume_kms_key=cluster.get("VolumeKmsKeyId"),
        output_kms_key=request.get("ProcessingOutputConfig", {}).get("KmsKeyId"),
        max_runtime_in_seconds=request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds"),
        sagemaker_session=session,
        env=request.get("Environment"),
        tags=request.get("Tags"),
        network_config=None if network is None else NetworkConfig(
            enable_network_isolation=network.get("EnableNetworkIsolation"),
            security_group_ids=vpc.get("SecurityGroupIds"),
            subnets=vpc.get("Subnets"),
            encrypt_inter_container_traffic=network.get("EnableInterContainerTrafficEncryption"),
        ),
    )


def run_arguments(request: Mapping[str, Any]) -> dict[str, Any]:
    """`Processor.run`'s arguments for the request's inputs, outputs, arguments, experiment and name.

    Outputs to Feature Store are left out: the Processor cannot take them (`SDK_GAPS`)."""
    from sagemaker.core import shapes
    from sagemaker.core.utils.code_injection.codec import transform

    inputs = request.get("ProcessingInputs", [])
    outputs = request.get("ProcessingOutputConfig", {}).get("Outputs", [])
    return {
        "inputs": [shapes.ProcessingInput(**transform(i, "ProcessingInput")) for i in inputs],
        "outputs": [shapes.ProcessingOutput(**transform(o, "ProcessingOutput")) for o in outputs
                    if "FeatureStoreOutput" not in o],
        "arguments": request["AppSpecification"].get("ContainerArguments"),
        "wait": False,
        "logs": False,
        "job_name": request["ProcessingJobName"],
        "experiment_config": request.get("ExperimentConfig"),
    }


def restore_gaps(params: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """`params` (what the SDK built) with the request's members the SDK cannot carry (`SDK_GAPS`) put back."""
    restored = copy.deepcopy(dict(params))
    for i, item in enumerate(request.get("ProcessingInputs", [])):
        sent = restored.get("ProcessingInputs", [])
        if "DatasetDefinition" in item and i < len(sent) and sent[i].get("InputName") == item["InputName"]:
            sent[i]["DatasetDefinition"] = copy.deepcopy(item["DatasetDefinition"])
    config = request.get("ProcessingOutputConfig")
    if config is not None:
        built = restored.setdefault("ProcessingOutputConfig", {"Outputs": []})
        if "KmsKeyId" in config and not config["Outputs"]:
            built["KmsKeyId"] = config["KmsKeyId"]
        from_sdk = iter(built["Outputs"])
        built["Outputs"] = [copy.deepcopy(o) if "FeatureStoreOutput" in o else next(from_sdk, {})
                            for o in config["Outputs"]] + list(from_sdk)
    return restored


def differences(sent: Any, request: Any, path: str = "") -> list[str]:
    """Where `sent` and `request` differ, as `path: sent ... instead of ...` lines (empty when equal)."""
    if isinstance(sent, Mapping) and isinstance(request, Mapping):
        found: list[str] = []
        for key in [*request, *(k for k in sent if k not in request)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in sent:
                found.append(f"{where}: left out")
            elif key not in request:
                found.append(f"{where}: added ({json.dumps(sent[key], default=str)})")
            else:
                found.extend(differences(sent[key], request[key], where))
        return found
    if isinstance(sent, list) and isinstance(request, list) and len(sent) == len(request):
        pairs = enumerate(zip(sent, request, strict=True))
        return [d for i, (s, r) in pairs for d in differences(s, r, f"{path}[{i}]")]
    if sent != request:
        return [f"{path}: {json.dumps(sent, default=str)} instead of {json.dumps(request, default=str)}"]
    return []


@contextmanager
def exactly(request: Mapping[str, Any], session: Any) -> Iterator[None]:
    """While inside: the SDK's CreateProcessingJob parameters are completed (`restore_gaps`) and must then
    equal `request`, else SdkRequestError before anything is serialized."""

    def complete(params: dict[str, Any], **_: Any) -> None:
        restored = restore_gaps(params, request)
        found = differences(restored, dict(request))
        if found:
            raise SdkRequestError(found)
        params.clear()
        params.update(restored)

    events = session.sagemaker_client.meta.events
    events.register_first(f"before-parameter-build.{OPERATION}", complete, unique_id=HANDLER_ID)
    try:
        yield
    finally:
        events.unregister(f"before-parameter-build.{OPERATION}", unique_id=HANDLER_ID)


def submit(request: Mapping[str, Any], session: Any) -> None:
    """Create the processing job through the SDK; an AwsError if the service refuses it."""
    processor = processor_for(request, session)
    with aws_errors("CreateProcessingJob"), root_logging_kept(), exactly(request, session):
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
    events.register_first(f"before-call.{OPERATION}", intercept, unique_id="byoc-dry-run")
    try:
        submit(request, session)
    finally:
        events.unregister(f"before-call.{OPERATION}", unique_id="byoc-dry-run")
    return captured
