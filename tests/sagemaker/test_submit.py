"""What reaches CreateProcessingJob is the job definition, field by field, through the SDK's Processor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.errors import JobDefinitionError, LocalImageError
from launcher.sagemaker_backend.backend import local_image_problem
from tests.sagemaker.conftest import BUCKET, IMAGE, ROLE, Wire


def every_option() -> JobDefinition:
    return JobDefinition(
        image_uri=IMAGE,
        role=ROLE,
        instance_count=3,
        instance_type="ml.c5.2xlarge",
        entrypoint=("python3", "-m", "jobs.clean"),
        arguments=("--mode", "full", "--k", "4"),
        env={"MODE": "full", "LOG_LEVEL": "debug"},
        volume_size_in_gb=100,
        max_runtime_in_seconds=7200,
        job_name="every-option",
        inputs=(
            ProcessingInput("s3://bkt/raw/manifest.json", "/opt/ml/processing/input/raw", "raw",
                            s3_data_type="ManifestFile", s3_input_mode="Pipe",
                            s3_data_distribution_type="ShardedByS3Key", s3_compression_type="Gzip"),
            ProcessingInput("s3://bkt/lookup/", "/opt/ml/processing/input/lookup", "lookup"),
        ),
        outputs=(
            ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean",
                             s3_upload_mode="Continuous"),
            ProcessingOutput("/opt/ml/processing/output/report", "s3://bkt/report/", "report"),
        ),
    )


EXPECTED = {
    "ProcessingJobName": "every-option",
    "ProcessingInputs": [
        {"InputName": "raw", "AppManaged": False, "S3Input": {
            "S3Uri": "s3://bkt/raw/manifest.json", "LocalPath": "/opt/ml/processing/input/raw",
            "S3DataType": "ManifestFile", "S3InputMode": "Pipe", "S3DataDistributionType": "ShardedByS3Key",
            "S3CompressionType": "Gzip"}},
        {"InputName": "lookup", "AppManaged": False, "S3Input": {
            "S3Uri": "s3://bkt/lookup/", "LocalPath": "/opt/ml/processing/input/lookup", "S3DataType": "S3Prefix",
            "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}},
    ],
    "ProcessingOutputConfig": {"Outputs": [
        {"OutputName": "clean", "AppManaged": False, "S3Output": {
            "S3Uri": "s3://bkt/clean/", "LocalPath": "/opt/ml/processing/output/clean", "S3UploadMode": "Continuous"}},
        {"OutputName": "report", "AppManaged": False, "S3Output": {
            "S3Uri": "s3://bkt/report/", "LocalPath": "/opt/ml/processing/output/report", "S3UploadMode": "EndOfJob"}},
    ]},
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 3, "InstanceType": "ml.c5.2xlarge",
                                              "VolumeSizeInGB": 100}},
    "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
    "AppSpecification": {"ImageUri": IMAGE, "ContainerEntrypoint": ["python3", "-m", "jobs.clean"],
                         "ContainerArguments": ["--mode", "full", "--k", "4"]},
    "Environment": {"MODE": "full", "LOG_LEVEL": "debug"},
    "RoleArn": ROLE,
}


def test_every_option_reaches_the_wire_as_written(wire: Wire, bucket: str, sagemaker_admin: Any) -> None:
    name = wire.backend().submit(every_option())
    assert name == "every-option"
    assert wire.sent == [EXPECTED]
    # moto keeps what it models (not Environment nor ProcessingResources): it agrees on those fields.
    stored = sagemaker_admin.describe_processing_job(ProcessingJobName=name)
    for key in ("ProcessingInputs", "ProcessingOutputConfig", "StoppingCondition", "AppSpecification", "RoleArn"):
        assert stored[key] == EXPECTED[key], key


def test_dry_run_is_the_request_a_run_sends_and_sends_nothing(wire: Wire, bucket: str, sagemaker_admin: Any) -> None:
    dry = wire.backend().request_for(every_option())
    assert wire.sent == [] and sagemaker_admin.list_processing_jobs()["ProcessingJobSummaries"] == []
    wire.backend().submit(every_option())
    assert dry == wire.sent[0] == EXPECTED


def test_unset_options_are_left_out_as_the_sdk_does(wire: Wire, bucket: str) -> None:
    wire.backend().submit(JobDefinition(image_uri=IMAGE, role=ROLE, job_name="plain"))
    assert wire.sent == [{
        "ProcessingJobName": "plain",
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": IMAGE},
        "RoleArn": ROLE,
    }]


def test_code_and_local_inputs_are_uploaded_under_the_job_prefix(wire: Wire, bucket: str, s3_admin: Any,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "data" / "nested").mkdir(parents=True)
    (tmp_path / "data" / "a.csv").write_text("a\n1\n")
    (tmp_path / "data" / "nested" / "b.csv").write_text("b\n2\n")
    (tmp_path / "lookup.json").write_text("{}")
    (tmp_path / "clean.py").write_text("print('hi')\n")
    job = JobDefinition(
        image_uri=IMAGE, role=ROLE, job_name="script-job", code=str(tmp_path / "clean.py"), command=("python3",),
        inputs=(ProcessingInput(str(tmp_path / "data"), "/opt/ml/processing/input/data", "data"),
                ProcessingInput(str(tmp_path / "lookup.json"), "/opt/ml/processing/input/lookup", "lookup")),
    )
    wire.backend().submit(job)
    keys = sorted(o["Key"] for o in s3_admin.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == ["byoc/script-job/input/code/clean.py", "byoc/script-job/input/data/a.csv",
                    "byoc/script-job/input/data/nested/b.csv", "byoc/script-job/input/lookup/lookup.json"]
    body = s3_admin.get_object(Bucket=BUCKET, Key="byoc/script-job/input/code/clean.py")["Body"].read()
    assert body == b"print('hi')\n"
    [request] = wire.sent
    uris = {i["InputName"]: (i["S3Input"]["S3Uri"], i["S3Input"]["LocalPath"]) for i in request["ProcessingInputs"]}
    assert uris == {
        "data": ("s3://bkt/byoc/script-job/input/data/", "/opt/ml/processing/input/data"),
        "lookup": ("s3://bkt/byoc/script-job/input/lookup/lookup.json", "/opt/ml/processing/input/lookup"),
        "code": ("s3://bkt/byoc/script-job/input/code/clean.py", "/opt/ml/processing/input/code"),
    }
    assert [i["InputName"] for i in request["ProcessingInputs"]] == ["data", "lookup", "code"]
    assert request["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/clean.py"]


def test_prefix_is_configurable_and_may_be_empty(wire: Wire, bucket: str, s3_admin: Any, tmp_path: Path) -> None:
    (tmp_path / "run.py").write_text("")
    for prefix, name in (("team/a", "with-prefix"), ("", "no-prefix")):
        job = JobDefinition(image_uri=IMAGE, role=ROLE, job_name=name, code=str(tmp_path / "run.py"),
                            command=("python3",))
        wire.backend(prefix=prefix).submit(job)
    keys = sorted(o["Key"] for o in s3_admin.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == ["no-prefix/input/code/run.py", "team/a/with-prefix/input/code/run.py"]


def test_a_local_output_is_staged_in_s3_and_downloaded_once_completed(wire: Wire, bucket: str, s3_admin: Any,
                                                                       tmp_path: Path) -> None:
    job = JobDefinition(image_uri=IMAGE, role=ROLE, job_name="local-out", outputs=(
        ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),
        ProcessingOutput("/opt/ml/processing/output/empty", str(tmp_path / "empty"), "empty"),
        ProcessingOutput("/opt/ml/processing/output/s3", "s3://bkt/kept/", "s3"),
    ))
    backend = wire.backend()
    name = backend.submit(job)
    [request] = wire.sent
    assert [o["S3Output"]["S3Uri"] for o in request["ProcessingOutputConfig"]["Outputs"]] == [
        "s3://bkt/byoc/local-out/output/out/", "s3://bkt/byoc/local-out/output/empty/", "s3://bkt/kept/"]
    # What SageMaker would upload from the hosts at the end of the job:
    for key in ("algo-1.json", "algo-2.json", "nested/part.csv"):
        s3_admin.put_object(Bucket=BUCKET, Key=f"byoc/local-out/output/out/{key}", Body=key.encode())
    status = backend.wait(name)  # moto's jobs are Completed at once
    assert status.status == "Completed"
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "algo-1.json", "algo-2.json", "nested/part.csv"]
    assert (out / "nested" / "part.csv").read_bytes() == b"nested/part.csv"
    assert not (tmp_path / "empty").exists()


def test_an_output_destination_that_is_neither_s3_nor_local_is_refused(wire: Wire, bucket: str) -> None:
    job = JobDefinition(image_uri=IMAGE, role=ROLE, outputs=(
        ProcessingOutput("/opt/ml/processing/output/out", "https://bkt.s3.amazonaws.com/out/", "out"),))
    with pytest.raises(JobDefinitionError, match=r"outputs\[0\]\.destination: unsupported scheme 'https'"):
        wire.backend().request_for(job)


def test_missing_and_empty_local_inputs_are_named(wire: Wire, bucket: str, tmp_path: Path) -> None:
    missing = JobDefinition(image_uri=IMAGE, role=ROLE, code=str(tmp_path / "nope.py"), command=("python3",),
                            inputs=(ProcessingInput(str(tmp_path / "gone"), "/opt/ml/processing/input/d", "d"),))
    with pytest.raises(JobDefinitionError) as raised:
        wire.backend().submit(missing)
    assert [p.path for p in raised.value.problems] == ["inputs[0].source", "code"]
    assert "gone' does not exist" in str(raised.value)
    (tmp_path / "empty").mkdir()
    empty = JobDefinition(image_uri=IMAGE, role=ROLE, job_name="empty-input",
                          inputs=(ProcessingInput(str(tmp_path / "empty"), "/opt/ml/processing/input/d", "d"),))
    with pytest.raises(JobDefinitionError, match="has no files to upload"):
        wire.backend().submit(empty)
    assert wire.sent == []


def test_a_local_image_name_fails_before_uploading_but_a_dry_run_only_warns(wire: Wire, bucket: str, s3_admin: Any,
                                                                            tmp_path: Path) -> None:
    (tmp_path / "run.py").write_text("")
    job = JobDefinition(image_uri="byoc/sklearn:latest", role=ROLE, code=str(tmp_path / "run.py"), command=("python3",))
    with pytest.raises(LocalImageError, match=r"'byoc/sklearn:latest' is a local image name.*make push IMAGE=sklearn"):
        wire.backend().submit(job)
    assert wire.sent == [] and "Contents" not in s3_admin.list_objects_v2(Bucket=BUCKET)
    assert wire.backend().request_for(job)["AppSpecification"]["ImageUri"] == "byoc/sklearn:latest"
    assert local_image_problem("127.0.0.1:5000/byoc/base:t") is None
    assert local_image_problem(IMAGE) is None


def test_an_invalid_definition_fails_before_any_call(wire: Wire, bucket: str) -> None:
    with pytest.raises(JobDefinitionError, match=r"instance_count: 0 is out of range"):
        wire.backend().request_for(JobDefinition(image_uri=IMAGE, role=ROLE, instance_count=0))
