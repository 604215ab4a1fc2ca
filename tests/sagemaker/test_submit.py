"""What reaches CreateProcessingJob is the job definition's one request, field by field, through sagemaker-core's
Processor: every member of the API's request, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
from launcher.errors import JobDefinitionError, LocalImageError
from launcher.request import to_create_processing_job_request
from launcher.sagemaker_backend.backend import local_image_problem
from launcher.sagemaker_backend.session import sdk_session
from launcher.sagemaker_backend.submit import (
    SDK_GAPS,
    SdkRequestError,
    differences,
    processor_for,
    restore_gaps,
    run_arguments,
)
from launcher.service_model import shape_at
from tests.sagemaker.conftest import BUCKET, IMAGE, ROLE, Wire

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def every_option() -> JobDefinition:
    """A job that sets every member CreateProcessingJob takes, at every level the definition reaches."""
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
        volume_kms_key=KMS_KEY,
        output_kms_key="alias/processing-outputs",
        network_config=NetworkConfig(enable_network_isolation=True, security_group_ids=("sg-0123456789abcdef0",),
                                     subnets=("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"),
                                     encrypt_inter_container_traffic=True),
        tags={"team": "ml", "cost-center": "4242"},
        experiment_config={"ExperimentName": "churn", "TrialName": "churn-1", "TrialComponentDisplayName": "clean",
                           "RunName": "run-7"},
        inputs=(
            ProcessingInput("s3://bkt/raw/manifest.json", "/opt/ml/processing/input/raw", "raw",
                            s3_data_type="ManifestFile", s3_input_mode="Pipe",
                            s3_data_distribution_type="ShardedByS3Key", s3_compression_type="Gzip"),
            ProcessingInput("s3://bkt/lookup/", "/opt/ml/processing/input/lookup", "lookup", app_managed=True),
            ProcessingInput(input_name="orders", dataset_definition=DatasetDefinition(
                data_distribution_type="FullyReplicated", input_mode="Pipe",
                local_path="/opt/ml/processing/input/orders",
                athena_dataset_definition=AthenaDatasetDefinition(
                    catalog="AwsDataCatalog", database="sales", query_string="SELECT * FROM orders",
                    output_s3_uri="s3://bkt/athena/", work_group="primary", kms_key_id=KMS_KEY,
                    output_format="PARQUET", output_compression="SNAPPY"))),
            ProcessingInput(input_name="users", dataset_definition=DatasetDefinition(
                local_path="/opt/ml/processing/input/users",
                redshift_dataset_definition=RedshiftDatasetDefinition(
                    cluster_id="warehouse", database="crm", db_user="etl", query_string="SELECT * FROM users",
                    cluster_role_arn=ROLE, output_s3_uri="s3://bkt/redshift/", kms_key_id=KMS_KEY,
                    output_format="CSV", output_compression="GZIP"))),
        ),
        outputs=(
            ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean",
                             s3_upload_mode="Continuous"),
            ProcessingOutput(output_name="features", app_managed=True,
                             feature_store_output=FeatureStoreOutput("churn-features")),
            ProcessingOutput("/opt/ml/processing/output/report", "s3://bkt/report/", "report"),
        ),
    )


def members(value: Any, path: str = "") -> set[str]:
    """Every member path a request sets (`ProcessingInputs[].S3Input.S3Uri`, ...); maps' keys left out."""
    if isinstance(value, dict) and not (path and shape_at(path).type_name == "map"):
        return {f"{path}.{k}".lstrip(".") for k in value} | {m for k, v in value.items()
                                                              for m in members(v, f"{path}.{k}".lstrip("."))}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return {m for item in value for m in members(item, f"{path}[]")}
    return set()


def model_members(path: str = "") -> set[str]:
    """Every member path of CreateProcessingJob's input in botocore's model, maps' keys left out."""
    shape = shape_at(path)
    if shape.type_name == "list" and shape.member.type_name == "structure":
        return model_members(f"{path}[]")
    if shape.type_name != "structure":
        return set()
    found = set()
    for name in shape.members:
        child = f"{path}.{name}".lstrip(".")
        found |= {child} | model_members(child)
    return found


EXPECTED = to_create_processing_job_request(every_option(), "every-option")
# Not in the definition yet: the service fills these in (Selected*), or they choose among instance types.
NOT_IN_THE_DEFINITION = {f"ProcessingResources.ClusterConfig.{m}" for m in (
    "InstancePreferences", "InstancePreferences[].InstanceType", "InstancePreferences[].InstanceCount",
    "SelectedInstanceType", "SelectedInstanceCount")}


def test_the_job_sets_every_member_of_the_request() -> None:
    assert members(EXPECTED) == model_members() - NOT_IN_THE_DEFINITION


def test_every_option_reaches_the_wire_as_the_one_request(wire: Wire, bucket: str, sagemaker_admin: Any) -> None:
    dry = wire.backend().request_for(every_option())
    assert wire.sent == [] and sagemaker_admin.list_processing_jobs()["ProcessingJobSummaries"] == []
    name = wire.backend().submit(every_option())
    assert name == "every-option"
    [sent] = wire.sent
    for body in (dry, sent):
        assert sorted(body) == sorted(EXPECTED)  # then each field on its own, for a readable failure
        for field in EXPECTED:
            assert body[field] == EXPECTED[field], field
    # moto keeps what it models (not Environment nor ProcessingResources: the wire shows those): it agrees.
    stored = sagemaker_admin.describe_processing_job(ProcessingJobName=name)
    for key in ("ProcessingInputs", "ProcessingOutputConfig", "StoppingCondition", "AppSpecification", "RoleArn",
                "NetworkConfig", "ExperimentConfig"):
        assert stored[key] == EXPECTED[key], key
    tags = sagemaker_admin.list_tags(ResourceArn=stored["ProcessingJobArn"])["Tags"]
    assert tags == EXPECTED["Tags"]


def test_an_output_kms_key_without_outputs_is_sent(wire: Wire, bucket: str) -> None:
    job = JobDefinition(image_uri=IMAGE, role=ROLE, job_name="key-only", output_kms_key="alias/out")
    assert wire.backend().request_for(job)["ProcessingOutputConfig"] == {"Outputs": [], "KmsKeyId": "alias/out"}
    wire.backend().submit(job)
    assert wire.sent[0]["ProcessingOutputConfig"] == {"Outputs": [], "KmsKeyId": "alias/out"}


def test_what_the_sdk_adds_is_refused_before_anything_is_sent(wire: Wire, bucket: str, sagemaker_admin: Any,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SageMaker Studio project file makes the SDK add its tags: the job file does not show them."""
    (tmp_path / ".sagemaker-code-config").write_text(json.dumps(
        {"sagemakerProjectId": "p-123", "sagemakerProjectName": "churn"}))
    monkeypatch.chdir(tmp_path)
    job = JobDefinition(image_uri=IMAGE, role=ROLE, job_name="studio")
    for call in (wire.backend().request_for, wire.backend().submit):
        with pytest.raises(SdkRequestError) as raised:
            call(job)
        assert raised.value.differences == [
            'Tags: added ([{"Key": "sagemaker:project-id", "Value": "p-123"}, '
            '{"Key": "sagemaker:project-name", "Value": "churn"}])']
    assert wire.sent == [] and sagemaker_admin.list_processing_jobs()["ProcessingJobSummaries"] == []
    # With the job file's own tags saying the same, the SDK adds nothing and the job goes.
    tagged = JobDefinition(image_uri=IMAGE, role=ROLE, job_name="studio",
                           tags={"sagemaker:project-id": "p-123", "sagemaker:project-name": "churn"})
    wire.backend().submit(tagged)
    assert wire.sent[0]["Tags"] == to_create_processing_job_request(tagged, "studio")["Tags"]


def sdk_alone(wire: Wire, request: dict[str, Any]) -> dict[str, Any]:
    """What sagemaker-core's Processor, built from `request`, would send with nothing of ours in its way."""
    from botocore.awsrequest import AWSResponse

    session = sdk_session(wire.session, wire.session.client("sagemaker"), BUCKET)
    raw: dict[str, Any] = {}

    def capture(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        raw.update(json.loads(params["body"]))
        return AWSResponse(params["url"], 200, {}, None), {"ProcessingJobArn": "arn"}

    session.sagemaker_client.meta.events.register_first("before-call.sagemaker.CreateProcessingJob", capture)
    processor_for(request, session).run(**run_arguments(request))
    return raw


def test_the_sdk_leaves_out_exactly_its_known_gaps_and_they_are_restored(wire: Wire, bucket: str) -> None:
    """When an SDK upgrade closes one of SDK_GAPS, this fails and the gap's line and restoring code go."""
    raw = sdk_alone(wire, EXPECTED)
    outputs = EXPECTED["ProcessingOutputConfig"]["Outputs"]
    assert differences(raw, EXPECTED) == [
        "ProcessingInputs[2].DatasetDefinition: left out",
        "ProcessingInputs[3].DatasetDefinition: left out",
        f"ProcessingOutputConfig.Outputs: {json.dumps([outputs[0], outputs[2]])} instead of {json.dumps(outputs)}",
    ]
    assert restore_gaps(raw, EXPECTED) == EXPECTED
    key_only = to_create_processing_job_request(JobDefinition(IMAGE, role=ROLE, output_kms_key="alias/o"), "k")
    assert differences(sdk_alone(wire, key_only), key_only) == ["ProcessingOutputConfig: left out"]
    assert restore_gaps(sdk_alone(wire, key_only), key_only) == key_only
    assert len(SDK_GAPS) == 3  # DatasetDefinition, FeatureStoreOutput, an output key without outputs: all seen


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
