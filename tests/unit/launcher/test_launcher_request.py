"""The CreateProcessingJob request and its processingjobconfig.json echo, against hand-written dicts."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.request import to_create_processing_job_request, to_processing_job_config

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


def test_request_matches_what_the_sagemaker_sdk_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same job through sagemaker 2.257's ScriptProcessor, with a mock session: no network, no STS."""
    from unittest import mock

    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        processing = pytest.importorskip("sagemaker.processing")
        session_module = pytest.importorskip("sagemaker.session")
    session = mock.MagicMock(spec=session_module.Session)
    session.sagemaker_config = {}
    session.expand_role.side_effect = lambda role: role
    processor = processing.ScriptProcessor(
        role=ROLE, image_uri=IMAGE, command=["python3"], instance_count=2, instance_type="ml.c5.xlarge",
        volume_size_in_gb=50, max_runtime_in_seconds=7200, env={"MODE": "full"}, sagemaker_session=session,
    )
    inputs, outputs = processor._normalize_args(
        job_name="my-job",
        arguments=["--mode", "full"],
        inputs=[
            processing.ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw", "ManifestFile",
                                       "Pipe", "ShardedByS3Key", "Gzip"),
            processing.ProcessingInput(STAGED_INPUTS["lookup"], "/opt/ml/processing/input/lookup", "lookup"),
        ],
        outputs=[
            processing.ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean", "Continuous"),
            processing.ProcessingOutput("/opt/ml/processing/output/report", STAGED_OUTPUTS["report"], "report"),
        ],
        code=STAGED_INPUTS["code"],
    )
    args = processing.ProcessingJob._get_process_args(processor, inputs, outputs, None)
    sdk_request = session_module.Session._get_process_request(session, **args)
    assert sdk_request == FULL_REQUEST
