"""A JobDefinition as the CreateProcessingJob request, a request as a JobDefinition, and the echo
the container reads.

Both backends start from the same request dict: the SageMaker backend sends it, the local backend
writes `to_processing_job_config(request, arn)` to /opt/ml/config/processingjobconfig.json. So a job
sees the same config file on both, and the request shape is tested once, here. The endpoint and JSON
job files go the other way with `definition_from_request`; the two are inverses (tested as such).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from launcher.definition import (
    DEFAULT_MAX_RUNTIME_IN_SECONDS,
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
    tags_from_list,
)
from launcher.errors import JobDefinitionError
from launcher.request_checks import request_problems

# SDK field -> API member, where one maps to the other: validation names an API field in the SDK's
# words with them. Kept beside the builder and its inverse, which write and read these members.
TOP_FIELDS = {
    "job_name": "ProcessingJobName",
    "role": "RoleArn",
    "image_uri": "AppSpecification.ImageUri",
    "entrypoint": "AppSpecification.ContainerEntrypoint",
    "arguments": "AppSpecification.ContainerArguments",
    "env": "Environment",
    "instance_count": "ProcessingResources.ClusterConfig.InstanceCount",
    "instance_type": "ProcessingResources.ClusterConfig.InstanceType",
    "volume_size_in_gb": "ProcessingResources.ClusterConfig.VolumeSizeInGB",
    "volume_kms_key": "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
    "max_runtime_in_seconds": "StoppingCondition.MaxRuntimeInSeconds",
    "inputs": "ProcessingInputs",
    "outputs": "ProcessingOutputConfig.Outputs",
    "output_kms_key": "ProcessingOutputConfig.KmsKeyId",
    "network_config": "NetworkConfig",
    "tags": "Tags",
    "experiment_config": "ExperimentConfig",
}
INPUT_FIELDS = {
    "input_name": "InputName",
    "app_managed": "AppManaged",
    "source": "S3Input.S3Uri",
    "destination": "S3Input.LocalPath",
    "s3_data_type": "S3Input.S3DataType",
    "s3_input_mode": "S3Input.S3InputMode",
    "s3_data_distribution_type": "S3Input.S3DataDistributionType",
    "s3_compression_type": "S3Input.S3CompressionType",
    "dataset_definition": "DatasetDefinition",
}
DATASET_SCALAR_FIELDS = {
    "data_distribution_type": "DataDistributionType",
    "input_mode": "InputMode",
    "local_path": "LocalPath",
}
DATASET_FIELDS = {
    **DATASET_SCALAR_FIELDS,
    "redshift_dataset_definition": "RedshiftDatasetDefinition",
    "athena_dataset_definition": "AthenaDatasetDefinition",
}
ATHENA_FIELDS = {
    "catalog": "Catalog",
    "database": "Database",
    "query_string": "QueryString",
    "output_s3_uri": "OutputS3Uri",
    "work_group": "WorkGroup",
    "kms_key_id": "KmsKeyId",
    "output_format": "OutputFormat",
    "output_compression": "OutputCompression",
}
REDSHIFT_FIELDS = {
    "cluster_id": "ClusterId",
    "database": "Database",
    "db_user": "DbUser",
    "query_string": "QueryString",
    "cluster_role_arn": "ClusterRoleArn",
    "output_s3_uri": "OutputS3Uri",
    "kms_key_id": "KmsKeyId",
    "output_format": "OutputFormat",
    "output_compression": "OutputCompression",
}
OUTPUT_FIELDS = {
    "output_name": "OutputName",
    "app_managed": "AppManaged",
    "destination": "S3Output.S3Uri",
    "source": "S3Output.LocalPath",
    "s3_upload_mode": "S3Output.S3UploadMode",
    "feature_store_output": "FeatureStoreOutput",
}
FEATURE_STORE_FIELDS = {"feature_group_name": "FeatureGroupName"}
NETWORK_FIELDS = {
    "enable_network_isolation": "EnableNetworkIsolation",
    "security_group_ids": "VpcConfig.SecurityGroupIds",
    "subnets": "VpcConfig.Subnets",
    "encrypt_inter_container_traffic": "EnableInterContainerTrafficEncryption",
}
# Left out when a request is read as a job definition: the caller runs the job under a name of its own.
OPTIONAL_FOR_LOCAL_RUNS = ("ProcessingJobName", "RoleArn")


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
    `ContainerEntrypoint`, `ContainerArguments`, `NetworkConfig`, `Tags` and `ExperimentConfig` are
    left out when unset, and each input carries `S3Input` unless it has a `dataset_definition`, each
    output `S3Output` unless it has a `feature_store_output`. Ours: `Environment` and `Tags` are left
    out when empty, `ProcessingOutputConfig` is kept for an `output_kms_key` without outputs, and
    `RoleArn` is left out when `role` is None (the service requires it, so the SageMaker backend must
    refuse such a definition; the local backend needs no role). `local_source` is never sent.
    """
    job = definition.normalized()
    input_uris = dict(input_uris or {})
    output_uris = dict(output_uris or {})
    _check_names("input_uris", input_uris, {i.input_name for i in job.inputs})
    _check_names("output_uris", output_uris, {o.output_name for o in job.outputs})

    request: dict[str, Any] = {"ProcessingJobName": job_name}
    if job.inputs:
        request["ProcessingInputs"] = [_input(i, input_uris) for i in job.inputs]
    if job.outputs or job.output_kms_key is not None:
        config: dict[str, Any] = {"Outputs": [_output(o, output_uris) for o in job.outputs]}
        if job.output_kms_key is not None:
            config["KmsKeyId"] = job.output_kms_key
        request["ProcessingOutputConfig"] = config
    cluster: dict[str, Any] = {
        "InstanceCount": job.instance_count,
        "InstanceType": job.instance_type,
        "VolumeSizeInGB": job.volume_size_in_gb,
    }
    if job.volume_kms_key is not None:
        cluster["VolumeKmsKeyId"] = job.volume_kms_key
    request["ProcessingResources"] = {"ClusterConfig": cluster}
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
    if job.network_config is not None:
        request["NetworkConfig"] = _network(job.network_config)
    if job.role is not None:
        request["RoleArn"] = job.role
    if job.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in job.tags.items()]
    if job.experiment_config is not None:
        request["ExperimentConfig"] = dict(job.experiment_config)
    return request


def _input(item: ProcessingInput, uris: Mapping[str, str]) -> dict[str, Any]:
    request: dict[str, Any] = {"InputName": item.input_name, "AppManaged": item.app_managed}
    if item.dataset_definition is not None:
        dataset = item.dataset_definition
        request["DatasetDefinition"] = _members(dataset, DATASET_SCALAR_FIELDS)
        if dataset.athena_dataset_definition is not None:
            request["DatasetDefinition"]["AthenaDatasetDefinition"] = _members(
                dataset.athena_dataset_definition, ATHENA_FIELDS
            )
        if dataset.redshift_dataset_definition is not None:
            request["DatasetDefinition"]["RedshiftDatasetDefinition"] = _members(
                dataset.redshift_dataset_definition, REDSHIFT_FIELDS
            )
        return request
    s3: dict[str, Any] = {}
    if item.source is not None:
        s3["S3Uri"] = uris.get(item.input_name or "", item.source)
    if item.destination is not None:
        s3["LocalPath"] = item.destination
    s3["S3DataType"] = item.s3_data_type
    s3["S3InputMode"] = item.s3_input_mode
    s3["S3DataDistributionType"] = item.s3_data_distribution_type
    s3["S3CompressionType"] = item.s3_compression_type
    request["S3Input"] = s3
    return request


def _output(item: ProcessingOutput, uris: Mapping[str, str]) -> dict[str, Any]:
    request: dict[str, Any] = {"OutputName": item.output_name, "AppManaged": item.app_managed}
    if item.feature_store_output is not None:
        request["FeatureStoreOutput"] = {"FeatureGroupName": item.feature_store_output.feature_group_name}
        return request
    s3: dict[str, Any] = {}
    if item.destination is not None:
        s3["S3Uri"] = uris.get(item.output_name or "", item.destination)
    if item.source is not None:
        s3["LocalPath"] = item.source
    s3["S3UploadMode"] = item.s3_upload_mode
    request["S3Output"] = s3
    return request


def _network(config: NetworkConfig) -> dict[str, Any]:
    """As `sagemaker.network.NetworkConfig._to_request_dict` builds it."""
    request: dict[str, Any] = {"EnableNetworkIsolation": config.enable_network_isolation}
    if config.encrypt_inter_container_traffic is not None:
        request["EnableInterContainerTrafficEncryption"] = config.encrypt_inter_container_traffic
    if config.security_group_ids is not None or config.subnets is not None:
        vpc: dict[str, Any] = {}
        if config.security_group_ids is not None:
            vpc["SecurityGroupIds"] = list(config.security_group_ids)
        if config.subnets is not None:
            vpc["Subnets"] = list(config.subnets)
        request["VpcConfig"] = vpc
    return request


def _members(record: object, names: Mapping[str, str]) -> dict[str, Any]:
    """The record's set fields under their API names (as the SDK's `ApiObject.to_boto` leaves out None)."""
    return {api: getattr(record, name) for name, api in names.items() if getattr(record, name) is not None}


def definition_from_request(request: Mapping[str, Any], *, local: bool = False) -> JobDefinition:
    """The JobDefinition whose request is `request`: `to_create_processing_job_request`'s inverse.

    The request is checked first as the service checks it (`request_checks.request_problems`), and
    every problem is raised at once in a JobDefinitionError whose paths are the API's
    (`ProcessingInputs[0].S3Input.S3Uri`). Members the request leaves out take the API's defaults,
    which the definition then states: InstanceCount 1, S3InputMode File, S3DataDistributionType
    FullyReplicated, S3CompressionType None, AppManaged false, DataDistributionType ShardedByS3Key,
    InputMode File, EnableNetworkIsolation false. An empty Environment, Tags or Outputs is the same
    as none.

    `local`: the request describes a job for this kit to run (a JSON job file, a replay): an input's
    or output's S3Uri may be a local path or file:// URI, and ProcessingJobName and RoleArn may be
    left out.
    """
    problems = request_problems(
        request, local_locations=local, optional=OPTIONAL_FOR_LOCAL_RUNS if local else ()
    )
    if problems:
        raise JobDefinitionError(problems)
    cluster = request["ProcessingResources"]["ClusterConfig"]
    app = request["AppSpecification"]
    output_config = request.get("ProcessingOutputConfig", {})
    network = request.get("NetworkConfig")
    experiment = request.get("ExperimentConfig")
    return JobDefinition(
        image_uri=app["ImageUri"],
        role=request.get("RoleArn"),
        instance_count=cluster.get("InstanceCount", 1),
        instance_type=cluster["InstanceType"],
        entrypoint=_tuple(app.get("ContainerEntrypoint")),
        arguments=_tuple(app.get("ContainerArguments")),
        env=request.get("Environment", {}),
        volume_size_in_gb=cluster["VolumeSizeInGB"],
        max_runtime_in_seconds=request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds"),
        job_name=request.get("ProcessingJobName"),
        inputs=tuple(_input_from(item) for item in request.get("ProcessingInputs", ())),
        outputs=tuple(_output_from(item) for item in output_config.get("Outputs", ())),
        volume_kms_key=cluster.get("VolumeKmsKeyId"),
        output_kms_key=output_config.get("KmsKeyId"),
        network_config=None if network is None else _network_from(network),
        tags=tags_from_list(request.get("Tags", ())),
        experiment_config=None if experiment is None else dict(experiment),
    )


def _input_from(item: Mapping[str, Any]) -> ProcessingInput:
    common = {"input_name": item["InputName"], "app_managed": item.get("AppManaged", False)}
    dataset = item.get("DatasetDefinition")
    if dataset is not None:
        athena, redshift = dataset.get("AthenaDatasetDefinition"), dataset.get("RedshiftDatasetDefinition")
        return ProcessingInput(**common, dataset_definition=DatasetDefinition(
            data_distribution_type=dataset.get("DataDistributionType", "ShardedByS3Key"),
            input_mode=dataset.get("InputMode", "File"),
            local_path=dataset.get("LocalPath"),
            athena_dataset_definition=None if athena is None else AthenaDatasetDefinition(
                **_fields(athena, ATHENA_FIELDS)),
            redshift_dataset_definition=None if redshift is None else RedshiftDatasetDefinition(
                **_fields(redshift, REDSHIFT_FIELDS)),
        ))
    s3 = item["S3Input"]
    return ProcessingInput(
        source=s3["S3Uri"],
        destination=s3.get("LocalPath"),
        s3_data_type=s3["S3DataType"],
        s3_input_mode=s3.get("S3InputMode", "File"),
        s3_data_distribution_type=s3.get("S3DataDistributionType", "FullyReplicated"),
        s3_compression_type=s3.get("S3CompressionType", "None"),
        **common,
    )


def _output_from(item: Mapping[str, Any]) -> ProcessingOutput:
    common = {"output_name": item["OutputName"], "app_managed": item.get("AppManaged", False)}
    store = item.get("FeatureStoreOutput")
    if store is not None:
        return ProcessingOutput(**common, feature_store_output=FeatureStoreOutput(store["FeatureGroupName"]))
    s3 = item["S3Output"]
    return ProcessingOutput(source=s3.get("LocalPath"), destination=s3["S3Uri"], s3_upload_mode=s3["S3UploadMode"],
                            **common)


def _network_from(network: Mapping[str, Any]) -> NetworkConfig:
    vpc = network.get("VpcConfig")
    return NetworkConfig(
        enable_network_isolation=network.get("EnableNetworkIsolation", False),
        security_group_ids=None if vpc is None else tuple(vpc["SecurityGroupIds"]),
        subnets=None if vpc is None else tuple(vpc["Subnets"]),
        encrypt_inter_container_traffic=network.get("EnableInterContainerTrafficEncryption"),
    )


def _fields(members: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {name: members[api] for name, api in names.items() if api in members}


def _tuple(values: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


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


def _check_names(argument: str, uris: Mapping[str, str], names: set[str | None]) -> None:
    """A URI for a name the job does not have is a backend bug; fail loudly instead of dropping it."""
    unknown = sorted(set(uris) - names)
    if unknown:
        raise ValueError(f"{argument} names no {argument.split('_')[0]} of the job: {', '.join(unknown)}")
