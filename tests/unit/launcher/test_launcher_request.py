"""The CreateProcessingJob request, its inverse, and its processingjobconfig.json echo: against
hand-written dicts, the SageMaker SDK's own request, and generated valid requests."""

from __future__ import annotations

import dataclasses
import importlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
)
from launcher.errors import JobDefinitionError
from launcher.request import definition_from_request, to_create_processing_job_request, to_processing_job_config
from launcher.request_checks import request_problems
from tests.unit.launcher.request_strategies import Request, requests

# No example database: these tests must not write into the repository.
PROPERTIES = settings(max_examples=100, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/my-job"

FULL = JobDefinition(
    image_uri=IMAGE,
    role=ROLE,
    instance_count=2,
    instance_type="ml.c5.xlarge",
    arguments=("--mode", "full"),
    env={"MODE": "full"},
    volume_size_in_gb=50,
    max_runtime_in_seconds=7200,
    job_name="ignored-here",
    base_job_name="ignored-too",
    inputs=(
        ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw", "ManifestFile", "Pipe",
                        "ShardedByS3Key", "Gzip"),
        ProcessingInput("/home/me/lookup", "/opt/ml/processing/input/lookup", "lookup"),
    ),
    outputs=(
        ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean", "Continuous"),
        ProcessingOutput("/opt/ml/processing/output/report", "/home/me/report", "report"),
    ),
    code="/home/me/src/run.py",
    command=("python3",),
)


def _s3_input(uri: str, local: str, *settings: str) -> dict[str, Any]:
    data_type, mode, distribution, compression = settings or ("S3Prefix", "File", "FullyReplicated", "None")
    return {"S3Uri": uri, "LocalPath": local, "S3DataType": data_type, "S3InputMode": mode,
            "S3DataDistributionType": distribution, "S3CompressionType": compression}


FULL_REQUEST: dict[str, Any] = {
    "ProcessingJobName": "my-job",
    "ProcessingInputs": [
        {"InputName": "raw", "AppManaged": False,
         "S3Input": _s3_input("s3://bkt/raw/", "/opt/ml/processing/input/raw", "ManifestFile", "Pipe",
                              "ShardedByS3Key", "Gzip")},
        {"InputName": "lookup", "AppManaged": False,
         "S3Input": _s3_input("s3://stage/my-job/input/lookup", "/opt/ml/processing/input/lookup")},
        {"InputName": "code", "AppManaged": False,
         "S3Input": _s3_input("s3://stage/my-job/input/code/run.py", "/opt/ml/processing/input/code")},
    ],
    "ProcessingOutputConfig": {
        "Outputs": [
            {"OutputName": "clean", "AppManaged": False,
             "S3Output": {"S3Uri": "s3://bkt/clean/", "LocalPath": "/opt/ml/processing/output/clean",
                          "S3UploadMode": "Continuous"}},
            {"OutputName": "report", "AppManaged": False,
             "S3Output": {"S3Uri": "s3://stage/my-job/output/report", "LocalPath": "/opt/ml/processing/output/report",
                          "S3UploadMode": "EndOfJob"}},
        ]
    },
    "ProcessingResources": {
        "ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.c5.xlarge", "VolumeSizeInGB": 50}
    },
    "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
    "AppSpecification": {
        "ImageUri": IMAGE,
        "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/run.py"],
        "ContainerArguments": ["--mode", "full"],
    },
    "Environment": {"MODE": "full"},
    "RoleArn": ROLE,
}
STAGED_INPUTS = {"lookup": "s3://stage/my-job/input/lookup", "code": "s3://stage/my-job/input/code/run.py"}
STAGED_OUTPUTS = {"report": "s3://stage/my-job/output/report"}


def test_request_with_every_option_set() -> None:
    request = to_create_processing_job_request(
        FULL, "my-job", input_uris=STAGED_INPUTS, output_uris=STAGED_OUTPUTS
    )
    assert request == FULL_REQUEST
    assert json.loads(json.dumps(request)) == request  # plain JSON types: lists, not tuples


def test_local_sources_pass_through_when_not_staged() -> None:
    request = to_create_processing_job_request(FULL, "my-job")
    assert [i["S3Input"]["S3Uri"] for i in request["ProcessingInputs"]] == [
        "s3://bkt/raw/", "/home/me/lookup", "/home/me/src/run.py"
    ]
    assert [o["S3Output"]["S3Uri"] for o in request["ProcessingOutputConfig"]["Outputs"]] == [
        "s3://bkt/clean/", "/home/me/report"
    ]


def test_minimal_request_leaves_out_what_is_unset() -> None:
    assert to_create_processing_job_request(JobDefinition(IMAGE), "j") == {
        "ProcessingJobName": "j",
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": IMAGE},
    }


def test_staged_uris_must_name_a_channel_of_the_job() -> None:
    with pytest.raises(ValueError, match="input_uris names no input of the job: nope"):
        to_create_processing_job_request(FULL, "j", input_uris={"nope": "s3://b/k"})
    with pytest.raises(ValueError, match="output_uris names no output of the job: raw"):
        to_create_processing_job_request(FULL, "j", output_uris={"raw": "s3://b/k"})


def test_config_echo_of_a_full_request() -> None:
    config = to_processing_job_config(FULL_REQUEST, ARN)
    expected = {
        "ProcessingJobArn": ARN,
        "ProcessingJobName": "my-job",
        "AppSpecification": FULL_REQUEST["AppSpecification"],
        "Environment": {"MODE": "full"},
        "ProcessingInputs": [
            {**i, "S3Input": {**i["S3Input"], "S3DownloadMode": "StartOfJob"}} for i in FULL_REQUEST["ProcessingInputs"]
        ],
        "ProcessingOutputConfig": {"Outputs": FULL_REQUEST["ProcessingOutputConfig"]["Outputs"], "KmsKeyId": None},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.c5.xlarge",
                                                  "VolumeSizeInGB": 50, "VolumeKmsKeyId": None}},
        "RoleArn": ROLE,
        "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
    }
    assert config == expected
    assert list(config) == list(expected)  # the documented example's key order
    assert "S3DownloadMode" not in FULL_REQUEST["ProcessingInputs"][0]["S3Input"]  # the request is not changed


def test_config_echo_writes_unset_optionals_as_null() -> None:
    config = to_processing_job_config(to_create_processing_job_request(JobDefinition(IMAGE), "j"), "j")
    assert json.dumps(config) == json.dumps({
        "ProcessingJobArn": "j",
        "ProcessingJobName": "j",
        "AppSpecification": {"ImageUri": IMAGE, "ContainerEntrypoint": None, "ContainerArguments": None},
        "Environment": {},
        "ProcessingInputs": [],
        "ProcessingOutputConfig": {"Outputs": [], "KmsKeyId": None},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 30, "VolumeKmsKeyId": None}},
        "RoleArn": None,
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
    })


def test_config_echo_keeps_keys_it_does_not_know() -> None:
    request = {**to_create_processing_job_request(JobDefinition(IMAGE), "j"), "NetworkConfig": {"X": 1}}
    assert to_processing_job_config(request, "j")["NetworkConfig"] == {"X": 1}


def _sdk() -> tuple[Any, Any, Any]:
    """sagemaker-core's processing and shapes modules, and the backend's own SDK session (offline: built
    with explicit clients and bucket, it calls nothing here)."""
    import boto3

    from launcher.sagemaker_backend.session import processing_module, sdk_session

    boto_session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    session = sdk_session(boto_session, boto_session.client("sagemaker"), "default-bucket")
    return processing_module(), importlib.import_module("sagemaker.core.shapes"), session


# sagemaker-core leaves AppManaged out when a shape leaves it unset; the request states the API's default,
# False, as SDK 2.x did. The shapes here set it, so the rest of the two requests can be compared whole.
def _s3_channel(shapes: Any, uri: str, local: str, name: str | None = None, *settings: str) -> Any:
    data_type, mode, distribution, compression = settings or ("S3Prefix", "File", "FullyReplicated", "None")
    return shapes.ProcessingInput(input_name=name, app_managed=False, s3_input=shapes.ProcessingS3Input(
        s3_uri=uri, local_path=local, s3_data_type=data_type, s3_input_mode=mode,
        s3_data_distribution_type=distribution, s3_compression_type=compression))


def _s3_output(shapes: Any, local: str, uri: str, name: str | None = None, mode: str = "EndOfJob") -> Any:
    return shapes.ProcessingOutput(output_name=name, app_managed=False, s3_output=shapes.ProcessingS3Output(
        s3_uri=uri, local_path=local, s3_upload_mode=mode))


def _built(processing: Any, processor: Any, inputs: list[Any], outputs: list[Any], **run: Any) -> dict[str, Any]:
    """The request sagemaker-core's `Processor.run` builds (its own steps and serializer, without sending it)."""
    from sagemaker.core.utils.utils import serialize

    experiment = run.pop("experiment_config", None)
    inputs, outputs = processor._normalize_args(inputs=inputs, outputs=outputs, **run)
    request: dict[str, Any] = serialize(processing._get_process_request(
        **processor._get_process_args(inputs, outputs, experiment)))
    return request


def test_request_matches_what_the_sagemaker_sdk_builds() -> None:
    """Same job through sagemaker-core's ScriptProcessor: no network, no STS."""
    processing, shapes, session = _sdk()
    processor = processing.ScriptProcessor(
        role=ROLE, image_uri=IMAGE, command=["python3"], instance_count=2, instance_type="ml.c5.xlarge",
        volume_size_in_gb=50, max_runtime_in_seconds=7200, env={"MODE": "full"}, sagemaker_session=session,
    )
    sdk_request = _built(
        processing, processor,
        inputs=[
            _s3_channel(shapes, "s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw", "ManifestFile", "Pipe",
                        "ShardedByS3Key", "Gzip"),
            _s3_channel(shapes, STAGED_INPUTS["lookup"], "/opt/ml/processing/input/lookup", "lookup"),
        ],
        outputs=[
            _s3_output(shapes, "/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean", "Continuous"),
            _s3_output(shapes, "/opt/ml/processing/output/report", STAGED_OUTPUTS["report"], "report"),
        ],
        job_name="my-job", arguments=["--mode", "full"], code=STAGED_INPUTS["code"],
    )
    code = sdk_request["ProcessingInputs"][2]
    assert "AppManaged" not in code  # the SDK's own code input leaves it unset (see _s3_channel)
    code["AppManaged"] = False
    assert sdk_request == FULL_REQUEST


VPC_JOB = JobDefinition(
    IMAGE,
    role=ROLE,
    instance_type="ml.r5.large",
    volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/volume",
    output_kms_key="alias/outputs",
    network_config=NetworkConfig(enable_network_isolation=True, security_group_ids=("sg-0a1b",),
                                 subnets=("subnet-1", "subnet-2"), encrypt_inter_container_traffic=True),
    tags={"team": "ml", "cost-center": "4242"},
    experiment_config={"ExperimentName": "churn", "TrialName": "churn-1"},
    inputs=(
        ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw"),
        ProcessingInput(dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/athena",
            athena_dataset_definition=AthenaDatasetDefinition(
                catalog="AwsDataCatalog", database="sales", query_string="SELECT * FROM orders",
                output_s3_uri="s3://bkt/athena/", work_group="primary", output_format="PARQUET"),
        )),
        ProcessingInput(input_name="named", source="s3://bkt/lookup.csv",
                        destination="/opt/ml/processing/input/lookup"),
    ),
    outputs=(
        ProcessingOutput("/opt/ml/processing/output", "s3://bkt/out/"),
        ProcessingOutput(output_name="features", feature_store_output=FeatureStoreOutput("orders-fg"),
                         app_managed=True),
    ),
)
ATHENA_INPUT = {
    "InputName": "input-2", "AppManaged": False,
    "DatasetDefinition": {
        "DataDistributionType": "ShardedByS3Key", "InputMode": "File", "LocalPath": "/opt/ml/processing/input/athena",
        "AthenaDatasetDefinition": {"Catalog": "AwsDataCatalog", "Database": "sales",
                                    "QueryString": "SELECT * FROM orders", "OutputS3Uri": "s3://bkt/athena/",
                                    "WorkGroup": "primary", "OutputFormat": "PARQUET"},
    },
}
VPC_REQUEST: dict[str, Any] = {
    "ProcessingJobName": "vpc-job",
    "ProcessingInputs": [
        {"InputName": "input-1", "AppManaged": False,
         "S3Input": _s3_input("s3://bkt/raw/", "/opt/ml/processing/input/raw")},
        ATHENA_INPUT,
        {"InputName": "named", "AppManaged": False,
         "S3Input": _s3_input("s3://bkt/lookup.csv", "/opt/ml/processing/input/lookup")},
    ],
    "ProcessingOutputConfig": {
        "Outputs": [
            {"OutputName": "output-1", "AppManaged": False,
             "S3Output": {"S3Uri": "s3://bkt/out/", "LocalPath": "/opt/ml/processing/output",
                          "S3UploadMode": "EndOfJob"}},
            {"OutputName": "features", "AppManaged": True, "FeatureStoreOutput": {"FeatureGroupName": "orders-fg"}},
        ],
        "KmsKeyId": "alias/outputs",
    },
    "ProcessingResources": {"ClusterConfig": {
        "InstanceCount": 1, "InstanceType": "ml.r5.large", "VolumeSizeInGB": 30,
        "VolumeKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/volume",
    }},
    "AppSpecification": {"ImageUri": IMAGE},
    "NetworkConfig": {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-0a1b"], "Subnets": ["subnet-1", "subnet-2"]},
    },
    "RoleArn": ROLE,
    "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "4242"}],
    "ExperimentConfig": {"ExperimentName": "churn", "TrialName": "churn-1"},
}


def test_request_with_vpc_kms_tags_datasets_and_unnamed_channels() -> None:
    assert to_create_processing_job_request(VPC_JOB, "vpc-job") == VPC_REQUEST
    assert request_problems(VPC_REQUEST) == []


def test_vpc_request_matches_what_the_sagemaker_sdk_builds() -> None:
    """VPC, KMS, tags and experiment land where `Processor.run` puts them; the dataset and feature store
    members it cannot carry are its known gaps. sagemaker-core's shapes require names, so the channels the
    kit names itself (`input-2`, SDK 2.x's scheme, which 3.x keeps for its unnamed-input branch) are named here."""
    from launcher.sagemaker_backend.submit import restore_gaps

    processing, shapes, session = _sdk()
    network = importlib.import_module("sagemaker.core.network")
    processor = processing.Processor(
        role=ROLE, image_uri=IMAGE, instance_count=1, instance_type="ml.r5.large",
        volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/volume", output_kms_key="alias/outputs",
        tags=[{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "4242"}],
        network_config=network.NetworkConfig(enable_network_isolation=True, security_group_ids=["sg-0a1b"],
                                             subnets=["subnet-1", "subnet-2"], encrypt_inter_container_traffic=True),
        sagemaker_session=session,
    )
    sdk_request = _built(
        processing, processor,
        job_name="vpc-job",
        inputs=[
            _s3_channel(shapes, "s3://bkt/raw/", "/opt/ml/processing/input/raw", "input-1"),
            shapes.ProcessingInput(input_name="input-2", app_managed=False, dataset_definition=shapes.DatasetDefinition(
                local_path="/opt/ml/processing/input/athena", data_distribution_type="ShardedByS3Key",
                input_mode="File", athena_dataset_definition=shapes.AthenaDatasetDefinition(
                    catalog="AwsDataCatalog", database="sales", query_string="SELECT * FROM orders",
                    output_s3_uri="s3://bkt/athena/", work_group="primary", output_format="PARQUET"),
            )),
            _s3_channel(shapes, "s3://bkt/lookup.csv", "/opt/ml/processing/input/lookup", "named"),
        ],
        outputs=[_s3_output(shapes, "/opt/ml/processing/output", "s3://bkt/out/", "output-1")],
        experiment_config={"ExperimentName": "churn", "TrialName": "churn-1"},
    )
    assert sdk_request["ProcessingInputs"][1] == {"InputName": "input-2", "AppManaged": False}
    assert restore_gaps(sdk_request, VPC_REQUEST) == VPC_REQUEST


def test_a_request_becomes_the_definition_that_builds_it() -> None:
    assert definition_from_request(VPC_REQUEST) == dataclasses.replace(VPC_JOB.normalized(), job_name="vpc-job")
    staged = to_create_processing_job_request(FULL, "my-job", input_uris=STAGED_INPUTS, output_uris=STAGED_OUTPUTS)
    job = definition_from_request(staged)
    assert job.code is None and job.inputs[-1].input_name == "code"  # the service sees a plain input
    assert job.entrypoint == ("python3", "/opt/ml/processing/input/code/run.py")
    assert to_create_processing_job_request(job, "my-job") == FULL_REQUEST


def test_members_left_out_take_the_apis_defaults() -> None:
    request = {
        "ProcessingJobName": "j",
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": IMAGE},
        "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}},
        "ProcessingInputs": [
            {"InputName": "s3", "S3Input": {"S3Uri": "s3://b/k", "LocalPath": "/opt/ml/processing/s3",
                                            "S3DataType": "S3Prefix"}},
            {"InputName": "rs", "DatasetDefinition": {
                "LocalPath": "/opt/ml/processing/rs",
                "RedshiftDatasetDefinition": {"ClusterId": "c", "Database": "d", "DbUser": "u", "QueryString": "q",
                                              "ClusterRoleArn": ROLE, "OutputS3Uri": "s3://b/rs/",
                                              "OutputFormat": "CSV"}}},
        ],
        "NetworkConfig": {},
    }
    assert definition_from_request(request) == JobDefinition(
        IMAGE, role=ROLE, instance_type="ml.m5.large", volume_size_in_gb=5, job_name="j",
        inputs=(
            ProcessingInput("s3://b/k", "/opt/ml/processing/s3", "s3"),
            ProcessingInput(input_name="rs", dataset_definition=DatasetDefinition(
                "ShardedByS3Key", "File", "/opt/ml/processing/rs",
                redshift_dataset_definition=RedshiftDatasetDefinition("c", "d", "u", "q", ROLE, "s3://b/rs/",
                                                                      output_format="CSV"))),
        ),
        network_config=NetworkConfig(),
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.pop("RoleArn"), ["RoleArn: missing required field"]),
        (lambda r: r["ProcessingInputs"][0]["S3Input"].update(S3Uri="/home/me/data"),
         ["ProcessingInputs[0].S3Input.S3Uri: '/home/me/data' is not a valid S3 URI (s3://bucket/prefix)"]),
        (lambda r: r["ProcessingInputs"][1].update(S3Input=r["ProcessingInputs"][0]["S3Input"]),
         ["ProcessingInputs[1]: has both S3Input and DatasetDefinition; give one",
          "ProcessingInputs[1].S3Input.LocalPath: '/opt/ml/processing/input/raw' is already used by "
          "ProcessingInputs[0].S3Input.LocalPath"]),
        (lambda r: r["ProcessingInputs"][1]["DatasetDefinition"].update(LocalPath="/opt/ml/processing/input/raw"),
         ["ProcessingInputs[1].DatasetDefinition.LocalPath: '/opt/ml/processing/input/raw' is already used by "
          "ProcessingInputs[0].S3Input.LocalPath"]),
        (lambda r: r["ProcessingInputs"][1]["DatasetDefinition"].pop("AthenaDatasetDefinition"),
         ["ProcessingInputs[1].DatasetDefinition: needs one of AthenaDatasetDefinition or RedshiftDatasetDefinition"]),
        (lambda r: r["ProcessingInputs"][1]["DatasetDefinition"]["AthenaDatasetDefinition"].update(OutputFormat="CSV"),
         ["ProcessingInputs[1].DatasetDefinition.AthenaDatasetDefinition.OutputFormat: 'CSV' is not one of "
          "PARQUET, ORC, AVRO, JSON, TEXTFILE"]),
        (lambda r: r["ProcessingOutputConfig"]["Outputs"][1].update(OutputName="output-1"),
         ["ProcessingOutputConfig.Outputs[1].OutputName: 'output-1' is already used by "
          "ProcessingOutputConfig.Outputs[0]"]),
        (lambda r: r["ProcessingOutputConfig"]["Outputs"][0]["S3Output"].pop("LocalPath"),
         ["ProcessingOutputConfig.Outputs[0].S3Output.LocalPath: missing required field"]),
        (lambda r: r["NetworkConfig"]["VpcConfig"].update(Subnets=[f"subnet-{i}" for i in range(17)]),
         ["NetworkConfig.VpcConfig.Subnets: has 17 items; the service allows 1 to 16"]),
        (lambda r: r["NetworkConfig"]["VpcConfig"].update(SecurityGroupIds=["sg-1", "sg_2"]),
         ["NetworkConfig.VpcConfig.SecurityGroupIds[1]: 'sg_2' is not a security group ID (letters, digits and "
          "hyphens, e.g. sg-0123456789abcdef0)"]),
        (lambda r: r["NetworkConfig"].pop("VpcConfig").pop("Subnets") and r["NetworkConfig"].update(
            VpcConfig={"SecurityGroupIds": ["sg-1"]}),
         ["NetworkConfig.VpcConfig.Subnets: missing required field"]),
        (lambda r: r.update(Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]),
         ["Tags: has 51 items; the service allows at most 50"]),
        (lambda r: r.update(Tags=[{"Key": "team", "Value": "ml"}, {"Key": "team", "Value": "data"}]),
         ["Tags[1].Key: 'team' appears twice (first at Tags[0]); tag keys are unique"]),
        (lambda r: r.update(Tags=[{"Key": "team!", "Value": "x" * 257}]),
         ["Tags[0].Key: 'team!' is not a valid tag key: use letters, digits, spaces and _ . : / = + - @",
          "Tags[0].Value: is 257 characters long; the service allows at most 256"]),
        (lambda r: r["ExperimentConfig"].update(Experiment="x"),
         ["ExperimentConfig.Experiment: unknown field; did you mean 'ExperimentName'?"]),
        (lambda r: r["ProcessingResources"]["ClusterConfig"].update(InstanceType="ml.m5.xlarg", InstanceCount="2"),
         ["ProcessingResources.ClusterConfig.InstanceCount: expected an integer, got str '2'",
          "ProcessingResources.ClusterConfig.InstanceType: 'ml.m5.xlarg' is not a SageMaker Processing instance "
          "type (e.g. ml.m5.xlarge)"]),
        (lambda r: r["ProcessingResources"]["ClusterConfig"].update(SelectedInstanceType="ml.m5.large"),
         ["ProcessingResources.ClusterConfig.SelectedInstanceType: is set by the service and returned by "
          "DescribeProcessingJob; CreateProcessingJob does not take it"]),
        (lambda r: r["ProcessingResources"]["ClusterConfig"].update(
            InstancePreferences=[{"InstanceType": "ml.m5.large"}]),
         ["ProcessingResources.ClusterConfig.InstancePreferences: is not supported by this kit yet; give "
          "InstanceType"]),
        (lambda r: r.update(Environment={"A": 1}, Colour="blue"),
         ["Colour: unknown field; expected one of ProcessingInputs, ProcessingOutputConfig, ProcessingJobName, "
          "ProcessingResources, StoppingCondition, AppSpecification, Environment, NetworkConfig, RoleArn, Tags, "
          "ExperimentConfig",
          "Environment.A: expected a string, got int 1"]),
    ],
)
def test_a_bad_request_names_every_api_field_at_fault(change: Any, expected: list[str]) -> None:
    request = json.loads(json.dumps(VPC_REQUEST))
    change(request)
    with pytest.raises(JobDefinitionError) as caught:
        definition_from_request(request)
    assert [str(p) for p in caught.value.problems] == expected


def test_a_request_for_a_local_run_may_name_local_paths_and_leave_out_name_and_role() -> None:
    request = json.loads(json.dumps(FULL_REQUEST))
    del request["ProcessingJobName"], request["RoleArn"]
    request["ProcessingInputs"][1]["S3Input"]["S3Uri"] = "/home/me/lookup"
    request["ProcessingOutputConfig"]["Outputs"][1]["S3Output"]["S3Uri"] = "file:///home/me/report"
    job = definition_from_request(request, local=True)
    assert (job.job_name, job.role) == (None, None)
    assert [i.source for i in job.inputs] == ["s3://bkt/raw/", "/home/me/lookup", "s3://stage/my-job/input/code/run.py"]
    request["ProcessingOutputConfig"]["Outputs"][1]["S3Output"]["S3Uri"] = "gs://bkt/report"
    with pytest.raises(JobDefinitionError, match=r"Outputs\[1\].S3Output.S3Uri: 'gs://bkt/report' is neither"):
        definition_from_request(request, local=True)


@PROPERTIES
@given(requests())
def test_every_valid_request_round_trips_through_a_definition(request: Request) -> None:
    assert request_problems(request) == []
    job = definition_from_request(request)
    assert to_create_processing_job_request(job, request["ProcessingJobName"]) == request
    assert json.loads(json.dumps(request)) == request


@PROPERTIES
@given(requests(), st.data())
def test_every_definition_round_trips_through_its_request(request: Request, data: st.DataObject) -> None:
    """Definitions as users write them: some channels unnamed (the request names them as the SDK does)."""
    job = definition_from_request(request)
    unnamed = data.draw(st.sets(st.integers(0, len(job.inputs) + len(job.outputs))))
    job = dataclasses.replace(
        job,
        inputs=tuple(dataclasses.replace(item, input_name=None) if n in unnamed else item
                     for n, item in enumerate(job.inputs)),
        outputs=tuple(dataclasses.replace(item, output_name=None) if len(job.inputs) + n in unnamed else item
                      for n, item in enumerate(job.outputs)),
    )
    normalized = job.normalized()
    # An unnamed channel whose SDK name another channel already has is refused (tested with validation).
    assume(len({i.input_name for i in normalized.inputs}) == len(normalized.inputs))
    assume(len({o.output_name for o in normalized.outputs}) == len(normalized.outputs))
    assert job.job_name is not None
    assert definition_from_request(to_create_processing_job_request(job, job.job_name)) == normalized
