"""Definitions built in Python, checked against the service's limits as botocore's model states them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from launcher.definition import (
    MAX_JOB_NAME_LENGTH,
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
)
from launcher.errors import JobDefinitionError, Problem
from launcher.request import to_create_processing_job_request
from launcher.service_model import processing_instance_types, shape_at
from launcher.validation import DefinitionPaths, find_problems, validate

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest"
ROLE = "arn:aws:iam::123456789012:role/service-role/SageMakerRole"
RAW = ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw")
CLEAN = ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean")
GOOD = JobDefinition(
    IMAGE,
    role=ROLE,
    instance_count=100,
    instance_type="ml.m7i-flex.large",
    arguments=("--mode", "full"),
    env={"MODE": "full", "_x1": ""},
    volume_size_in_gb=16384,
    max_runtime_in_seconds=777600,
    base_job_name="nightly-",
    inputs=(
        RAW,
        ProcessingInput("/home/me/data", "/opt/ml/processing/input/local/", "local", s3_input_mode="Pipe",
                        s3_compression_type="Gzip", s3_data_distribution_type="ShardedByS3Key"),
        ProcessingInput("file:///home/me/manifest.json", "/opt/ml/processing/input/m", "m", "ManifestFile"),
        ProcessingInput("https://bkt.s3.amazonaws.com/x", "/opt/ml/processing/input/raw/nested", "nested"),
    ),
    outputs=(CLEAN, ProcessingOutput("/opt/ml/processing/output/log", "out/log", "log", "Continuous")),
    code="src/run.py",
    command=("python3",),
)
TEN_INPUTS = tuple(
    dataclasses.replace(RAW, input_name=f"in{n}", destination=f"/opt/ml/processing/input/{n}") for n in range(10)
)
ELEVEN_OUTPUTS = tuple(
    dataclasses.replace(CLEAN, output_name=f"out{n}", source=f"/opt/ml/processing/output/{n}") for n in range(11)
)


def problems(job: JobDefinition) -> list[str]:
    return [str(p) for p in find_problems(job)]


def test_a_definition_at_every_limit_is_valid() -> None:
    validate(GOOD)
    validate(JobDefinition(IMAGE))
    validate(dataclasses.replace(GOOD, code=None, command=None, entrypoint=("x",) * 100, arguments=("y" * 256,) * 100))
    validate(dataclasses.replace(GOOD, job_name="a" + "-b" * 31, instance_count=1, volume_size_in_gb=1,
                                 max_runtime_in_seconds=1))


def test_all_problems_are_reported_at_once_each_naming_its_field() -> None:
    bad = JobDefinition(
        "",
        role="SageMakerRole",
        instance_count=0,
        instance_type="m5.xlarge",
        entrypoint=(),
        env={"1BAD": "x", "OK": "v" * 257},
        volume_size_in_gb=16385,
        max_runtime_in_seconds=777601,
        job_name="my_job",
        inputs=(
            ProcessingInput("gs://bkt/raw", "/opt/ml/input/data", "", s3_input_mode="FastFile"),
            ProcessingInput("s3:/bkt", "/opt/ml/processing/a/../b", "x", "Prefix", s3_data_distribution_type="All"),
        ),
        outputs=(ProcessingOutput("/opt/ml/processing/input/data/", "file://out", "x", s3_upload_mode="Later"),),
    )
    with pytest.raises(JobDefinitionError) as caught:
        validate(bad)
    assert [str(p) for p in caught.value.problems] == [
        "image_uri: must not be empty",
        "role: 'SageMakerRole' is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
        "instance_count: 0 is out of range: the service allows 1 to 100",
        "instance_type: 'm5.xlarge' is not a SageMaker Processing instance type (e.g. ml.m5.xlarge)",
        "entrypoint: has 0 items; the service allows 1 to 100",
        "env.1BAD: '1BAD' is not a valid variable name: use letters, digits and _, not starting with a digit",
        "env.OK: value is 257 characters long; the service allows at most 256",
        "volume_size_in_gb: 16385 is out of range: the service allows 1 to 16384",
        "max_runtime_in_seconds: 777601 is out of range: the service allows 1 to 777600",
        "job_name: 'my_job' is not a valid job name: use letters, digits and hyphens, "
        "starting and ending with a letter or digit",
        "inputs[0].source: 'gs://bkt/raw' is neither an S3 URI (s3://bucket/prefix) nor a local path",
        "inputs[0].destination: '/opt/ml/input/data' must be an absolute path under /opt/ml/processing/",
        "inputs[0].input_name: must not be empty",
        "inputs[0].s3_input_mode: 'FastFile' is not supported for processing jobs: the service rejects it "
        "(the SDK docs list it); use File or Pipe",
        "inputs[1].source: 's3:/bkt' is not a valid S3 URI (s3://bucket/prefix)",
        "inputs[1].destination: '/opt/ml/processing/a/../b' must not contain '..'",
        "inputs[1].s3_data_type: 'Prefix' is not one of S3Prefix, ManifestFile",
        "inputs[1].s3_data_distribution_type: 'All' is not one of FullyReplicated, ShardedByS3Key",
        "outputs[0].destination: 'file://out' is not an absolute file:// URI (file:///path)",
        "outputs[0].s3_upload_mode: 'Later' is not one of EndOfJob, Continuous",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"image_uri": "x" * 256}, "image_uri: is 256 characters long; the service allows at most 255"),
        ({"role": "arn:aws:iam::1234:role/R"}, "role: 'arn:aws:iam::1234:role/R' is not an IAM role ARN "
                                              "(arn:aws:iam::<12-digit account>:role/<name>)"),
        ({"job_name": "a" * 64}, "job_name: is 64 characters long; the service allows at most 63"),
        ({"job_name": "job-"}, "job_name: 'job-' is not a valid job name: use letters, digits and hyphens, "
                               "starting and ending with a letter or digit"),
        ({"base_job_name": "b" * 40}, "base_job_name: is 40 characters long; at most 39 leave room for the "
                                      "timestamp in a 63-character job name"),
        ({"base_job_name": "-b"}, "base_job_name: '-b' is not a valid job name prefix: use letters, digits and "
                                  "hyphens, starting with a letter or digit"),
        ({"arguments": ("a" * 257,)}, "arguments[0]: is 257 characters long; the service allows at most 256"),
        ({"arguments": ("a",) * 101}, "arguments: has 101 items; the service allows 1 to 100"),
        ({"env": {f"K{i}": "v" for i in range(101)}}, "env: has 101 entries; the service allows at most 100"),
        ({"env": {"A-B": "v"}}, "env.A-B: 'A-B' is not a valid variable name: use letters, digits and _, "
                                "not starting with a digit"),
        ({"inputs": TEN_INPUTS}, "inputs: has 10 inputs plus the code input; the service allows at most 10"),
        ({"outputs": ELEVEN_OUTPUTS}, "outputs: has 11 outputs; the service allows at most 10"),
        ({"inputs": (dataclasses.replace(RAW, source="s3://b/" + "k" * 1018),)},
         "inputs[0].source: is 1025 characters long; the service allows at most 1024"),
        ({"inputs": (dataclasses.replace(RAW, destination="/opt/ml/processing/" + "d" * 238),)},
         "inputs[0].destination: is 257 characters long; the service allows at most 256"),
        ({"inputs": (dataclasses.replace(RAW, s3_compression_type="Gzip"),)},
         "inputs[0].s3_compression_type: 'Gzip' needs s3_input_mode Pipe, not 'File': "
         "the service only gunzips while streaming"),
        ({"inputs": (dataclasses.replace(RAW, s3_compression_type="gzip"),)},
         "inputs[0].s3_compression_type: 'gzip' is not one of None, Gzip"),
        ({"inputs": (dataclasses.replace(RAW, s3_input_mode="Fast"),)},
         "inputs[0].s3_input_mode: 'Fast' is not one of File, Pipe"),
        ({"inputs": (dataclasses.replace(RAW, destination="/opt/ml/processing/input/code/"),)},
         "inputs[0].destination: '/opt/ml/processing/input/code/' is already used by the code input"),
        ({"inputs": (dataclasses.replace(RAW, input_name="code"),)},
         "inputs[0].input_name: 'code' is the name of the input code creates; rename this input or drop code"),
        ({"outputs": (dataclasses.replace(CLEAN, source="/opt/ml/processing/input/raw"),)},
         "outputs[0].source: '/opt/ml/processing/input/raw' is already used by inputs[0].destination"),
        ({"outputs": (CLEAN, dataclasses.replace(CLEAN, output_name="again"))},
         "outputs[1].source: '/opt/ml/processing/output/clean' is already used by outputs[0].source"),
        ({"outputs": (CLEAN, dataclasses.replace(CLEAN, source="/opt/ml/processing/output/other"))},
         "outputs[1].output_name: 'clean' is already used by outputs[0]"),
        ({"outputs": (dataclasses.replace(CLEAN, destination="s3://"),)},
         "outputs[0].destination: 's3://' is not a valid S3 URI (s3://bucket/prefix)"),
        ({"outputs": (dataclasses.replace(CLEAN, destination=""),)}, "outputs[0].destination: must not be empty"),
        ({"entrypoint": ("python3",)},
         "command: conflicts with entrypoint: command + code make the entrypoint; set one or the other"),
        ({"command": None}, "code: needs command, the program that runs it (e.g. [python3])"),
        ({"code": None}, "command: needs code: the script file command runs"),
        ({"command": ("python3",) * 100}, "command: has 100 items; the service allows 1 to 99"),
        ({"code": "s3://bkt/src/"}, "code: 's3://bkt/src/' must name a file, not a folder"),
        ({"code": "gs://bkt/run.py"}, "code: 'gs://bkt/run.py' is neither an S3 URI (s3://bucket/prefix) "
                                      "nor a local path"),
    ],
)
def test_one_problem(changes: dict[str, Any], expected: str) -> None:
    base = dataclasses.replace(GOOD, inputs=(RAW,), outputs=(CLEAN,))
    assert problems(dataclasses.replace(base, **changes)) == [expected]


def test_wrong_python_types_are_problems_not_crashes() -> None:
    job = JobDefinition(
        IMAGE,
        instance_count="2",  # type: ignore[arg-type]
        volume_size_in_gb=True,
        env={"A": 1},  # type: ignore[dict-item]
        arguments="--x 1",  # type: ignore[arg-type]
        inputs=({"source": "s3://b/k"},),  # type: ignore[arg-type]
        outputs=ProcessingOutput("/opt/ml/processing/o", "s3://b/o", "o"),  # type: ignore[arg-type]
        code=5,  # type: ignore[arg-type]
        command=("python3",),
    )
    assert problems(job) == [
        "instance_count: expected an integer, got str '2'",
        "arguments: expected a list of strings, got str '--x 1'",
        "env.A: expected a string, got int 1",
        "volume_size_in_gb: expected an integer, got bool True",
        "inputs[0]: expected a ProcessingInput, got dict {'source': 's3://b/k'}",
        "outputs: expected a list of ProcessingOutput, got ProcessingOutput "
        "ProcessingOutput(source='/opt/ml/processing/o', destination='s3://b/o', output_name='o', "
        "s3_upload_mode='EndOfJob', app_managed=False, feature_store_output=None)",
        "code: expected a string, got int 5",
    ]


def test_problems_carry_no_file_for_python_definitions() -> None:
    assert find_problems(dataclasses.replace(GOOD, instance_count=0)) == [
        Problem("instance_count", "0 is out of range: the service allows 1 to 100")
    ]


ATHENA = AthenaDatasetDefinition("AwsDataCatalog", "sales", "SELECT 1", "s3://bkt/athena/", output_format="PARQUET")
QUERY = ProcessingInput(input_name="query", local_source="data/orders.csv", dataset_definition=DatasetDefinition(
    local_path="/opt/ml/processing/input/query", athena_dataset_definition=ATHENA))
FEATURES = ProcessingOutput(output_name="features", feature_store_output=FeatureStoreOutput("orders-fg"))
VPC = NetworkConfig(True, ("sg-1", "sg-2", "sg-3", "sg-4", "sg-5"), tuple(f"subnet-{i}" for i in range(16)), True)
SECURE = dataclasses.replace(
    GOOD,
    code=None,
    command=None,
    inputs=(RAW, QUERY, ProcessingInput("s3://bkt/app/", input_name="app", app_managed=True)),
    outputs=(CLEAN, FEATURES, ProcessingOutput(destination="s3://bkt/app-out/", app_managed=True)),
    volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    output_kms_key="alias/outputs",
    network_config=VPC,
    tags={f"key-{i}": "value with spaces: é" for i in range(50)},
    experiment_config={"ExperimentName": "churn", "TrialName": "churn-1", "TrialComponentDisplayName": "a",
                       "RunName": "b"},
)


def test_vpc_kms_tags_datasets_and_feature_store_at_their_limits_are_valid() -> None:
    validate(SECURE)
    validate(JobDefinition(IMAGE, network_config=NetworkConfig()))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"network_config": dataclasses.replace(VPC, subnets=(*(VPC.subnets or ()), "subnet-16"))},
         "network_config.subnets: has 17 items; the service allows 1 to 16"),
        ({"network_config": dataclasses.replace(VPC, subnets=("subnet-1", "subnet-2", "subnet-3", "subnet_4"))},
         "network_config.subnets[3]: 'subnet_4' is not a subnet ID (letters, digits and hyphens, "
         "e.g. subnet-0123456789abcdef0)"),
        ({"network_config": dataclasses.replace(VPC, security_group_ids=(*(VPC.security_group_ids or ()), "sg-6"))},
         "network_config.security_group_ids: has 6 items; the service allows 1 to 5"),
        ({"network_config": NetworkConfig(subnets=("subnet-1",))},
         "network_config.security_group_ids: missing required field"),
        ({"network_config": NetworkConfig(enable_network_isolation="yes")},  # type: ignore[arg-type]
         "network_config.enable_network_isolation: expected a boolean, got str 'yes'"),
        ({"network_config": NetworkConfig(subnets="subnet-1")},  # type: ignore[arg-type]
         "network_config.subnets: expected a list of strings, got str 'subnet-1'"),
        ({"network_config": {"subnets": ["subnet-1"]}},
         "network_config: expected a NetworkConfig, got dict {'subnets': ['subnet-1']}"),
        ({"volume_kms_key": "alias mine"},
         "volume_kms_key: 'alias mine' is not a KMS key ID, ARN or alias (letters, digits and : / _ -)"),
        ({"output_kms_key": "k" * 2049}, "output_kms_key: is 2049 characters long; the service allows at most 2048"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags: has 51 items; the service allows at most 50"),
        ({"tags": {"cost!": "1"}},
         "tags.cost!: 'cost!' is not a valid tag key: use letters, digits, spaces and _ . : / = + - @"),
        ({"tags": {"team": "ml", "owner": "x" * 257}},
         "tags.owner: value is 257 characters long; the service allows at most 256"),
        ({"tags": {"": "x"}}, "tags.: must not be empty"),
        ({"tags": [{"Key": "team", "Value": "ml"}]},
         "tags: expected a mapping of tag keys to values, got list [{'Key': 'team', 'Value': 'ml'}]"),
        ({"experiment_config": {"Experiment": "churn"}},
         "experiment_config.Experiment: unknown field; did you mean 'ExperimentName'?"),
        ({"experiment_config": {"ExperimentName": "churn_2"}},
         "experiment_config.ExperimentName: 'churn_2' is not a valid experiment entity name: use letters, digits "
         "and hyphens, starting and ending with a letter or digit"),
        ({"instance_type": "ml.p4d.24xlarge"},
         "instance_type: 'ml.p4d.24xlarge' is not a SageMaker Processing instance type (e.g. ml.r5d.24xlarge)"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/query")),)},
         "inputs[0].dataset_definition: needs one of athena_dataset_definition or redshift_dataset_definition"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/query", athena_dataset_definition=ATHENA,
            redshift_dataset_definition=RedshiftDatasetDefinition("c", "d", "u", "q", ROLE, "s3://b/", None,
                                                                  "CSV"))),)},
         "inputs[0].dataset_definition: has both athena_dataset_definition and redshift_dataset_definition; give one"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/query",
            athena_dataset_definition=dataclasses.replace(ATHENA, output_format=None))),)},
         "inputs[0].dataset_definition.athena_dataset_definition.output_format: missing required field"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/query",
            athena_dataset_definition=dataclasses.replace(ATHENA, output_format="CSV"))),)},
         "inputs[0].dataset_definition.athena_dataset_definition.output_format: 'CSV' is not one of PARQUET, ORC, "
         "AVRO, JSON, TEXTFILE"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            "All", athena_dataset_definition=ATHENA, local_path="/opt/ml/processing/input/query")),)},
         "inputs[0].dataset_definition.data_distribution_type: 'All' is not one of ShardedByS3Key, FullyReplicated"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            athena_dataset_definition=ATHENA)),)},
         "inputs[0].dataset_definition.local_path: missing required field"),
        ({"inputs": (RAW, dataclasses.replace(QUERY, dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/raw/", athena_dataset_definition=ATHENA)))},
         "inputs[1].dataset_definition.local_path: '/opt/ml/processing/input/raw/' is already used by "
         "inputs[0].destination"),
        ({"inputs": (dataclasses.replace(QUERY, dataset_definition={"local_path": "/opt/ml/processing/q"}),)},  # type: ignore[arg-type]
         "inputs[0].dataset_definition: expected a DatasetDefinition, got dict {'local_path': '/opt/ml/processing/q'}"),
        ({"inputs": (dataclasses.replace(RAW, local_source="data/raw"),)},
         "inputs[0].local_source: is only for a dataset_definition input (the stand-in for its query's result); "
         "this input reads source"),
        ({"inputs": (dataclasses.replace(QUERY, local_source="gs://bkt/orders"),)},
         "inputs[0].local_source: 'gs://bkt/orders' is neither an S3 URI (s3://bucket/prefix) nor a local path"),
        ({"inputs": (ProcessingInput(destination="/opt/ml/processing/input/x"),)},
         "inputs[0].source: missing required field"),
        ({"inputs": (ProcessingInput(source="s3://bkt/x"),)}, "inputs[0].destination: missing required field"),
        ({"inputs": (dataclasses.replace(RAW, app_managed="yes"),)},  # type: ignore[arg-type]
         "inputs[0].app_managed: expected a boolean, got str 'yes'"),
        ({"inputs": (dataclasses.replace(RAW, input_name=None), dataclasses.replace(
            RAW, input_name="input-1", destination="/opt/ml/processing/input/other"))},
         "inputs[1].input_name: 'input-1' is already used by inputs[0]"),
        ({"outputs": (ProcessingOutput(destination="s3://bkt/out/"),)}, "outputs[0].source: missing required field"),
        ({"outputs": (ProcessingOutput(source="/opt/ml/processing/output/x"),)},
         "outputs[0].destination: missing required field"),
        ({"outputs": (dataclasses.replace(FEATURES, feature_store_output=FeatureStoreOutput("orders fg")),)},
         "outputs[0].feature_store_output.feature_group_name: 'orders fg' is not a valid feature group name: use "
         "letters, digits, _ and -, starting and ending with a letter or digit"),
        ({"outputs": (dataclasses.replace(FEATURES, feature_store_output="orders-fg"),)},  # type: ignore[arg-type]
         "outputs[0].feature_store_output: expected a FeatureStoreOutput, got str 'orders-fg'"),
        ({"code": "s3://bkt/src/" + "x" * 300 + ".py"},
         "code: file name is too long: the entrypoint item '/opt/ml/processing/input/code/" + "x" * 300
         + ".py' would exceed 256 characters"),
        ({"command": ("python3", "x" * 257)}, "command[1]: is 257 characters long; the service allows at most 256"),
    ],
)
def test_one_problem_with_the_new_fields(changes: dict[str, Any], expected: str) -> None:
    base = dataclasses.replace(GOOD, inputs=(RAW,), outputs=(CLEAN,))
    assert problems(dataclasses.replace(base, **changes)) == [expected]


def test_every_field_of_the_request_is_named_in_the_sdks_words() -> None:
    """Each API path of a full request is shown as a definition field: no API name leaks out."""
    job = dataclasses.replace(SECURE, code="run.py", command=("python3",), tags={"team": "ml"})
    request = to_create_processing_job_request(job, "named")
    normalized = job.normalized()
    paths = DefinitionPaths(normalized, len(job.inputs), 1)

    def leaves(value: object, path: str) -> list[str]:
        if isinstance(value, dict):
            return [path] + [p for k, v in value.items() for p in leaves(v, f"{path}.{k}" if path else k)]
        if isinstance(value, list):
            return [path] + [p for i, v in enumerate(value) for p in leaves(v, f"{path}[{i}]")]
        return [path]

    shown = {path: paths.show(path) for path in leaves(request, "") if path}
    leaked = {path: name for path, name in shown.items()
              if re.search(r"(^|\.)[A-Z]", name) and not name.startswith(("env.", "experiment_config."))
              and not path.endswith(("S3Input", "S3Output", "VpcConfig"))
              and path not in ("ProcessingResources", "ProcessingResources.ClusterConfig", "AppSpecification",
                               "StoppingCondition", "ProcessingOutputConfig")}
    assert leaked == {}
    assert shown["ProcessingInputs[3].S3Input.S3Uri"] == "code"
    assert shown["AppSpecification.ContainerEntrypoint[1]"] == "code"
    assert shown["ProcessingInputs[1].DatasetDefinition.AthenaDatasetDefinition.QueryString"] == (
        "inputs[1].dataset_definition.athena_dataset_definition.query_string")
    assert shown["NetworkConfig.VpcConfig.Subnets[3]"] == "network_config.subnets[3]"
    assert shown["Tags[0].Value"] == "tags.team"


def test_every_processing_instance_type_of_the_model_is_accepted() -> None:
    types = processing_instance_types()
    assert "ml.m5.xlarge" in types and len(types) > 100
    assert all(find_problems(JobDefinition(IMAGE, instance_type=t)) == [] for t in types)


def test_the_job_name_limits_match_the_model() -> None:
    """definition.py names jobs without loading the model; its limit must be the model's."""
    assert shape_at("ProcessingJobName").metadata["max"] == MAX_JOB_NAME_LENGTH
