"""YAML job files: good ones become the expected JobDefinition, bad ones fail with file:line: field: message."""

from __future__ import annotations

import json
from collections.abc import Callable
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
)
from launcher.errors import JobDefinitionError
from launcher.jobfile import load_job_file, read_job_file
from launcher.request import to_create_processing_job_request

WriteJob = Callable[[str], str]

GOOD = """
# A job with every field set.
image_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest
role: arn:aws:iam::123456789012:role/SageMakerRole
instance_count: 2
instance_type: ml.c5.2xlarge
arguments: [--mode, full, "10"]
env:
  MODE: full
  DEBUG: "true"
volume_size_in_gb: 100
max_runtime_in_seconds: 3600
job_name: nightly-1
base_job_name: nightly
inputs:
  - source: data/raw/
    destination: /opt/ml/processing/input/raw
    input_name: raw
    s3_data_type: S3Prefix
    s3_input_mode: Pipe
    s3_data_distribution_type: ShardedByS3Key
    s3_compression_type: Gzip
  - source: s3://bkt/ref/lookup.csv
    destination: /opt/ml/processing/input/ref
    input_name: ref
outputs:
  - source: /opt/ml/processing/output/clean
    destination: s3://bkt/clean/
    output_name: clean
    s3_upload_mode: Continuous
  - source: /opt/ml/processing/output/report
    destination: ../reports
    output_name: report
code: src/preprocess.py
command: [python3, -u]
"""


def test_good_job_file_round_trips(write_job: WriteJob, tmp_path: Path) -> None:
    job = load_job_file(write_job(GOOD))
    assert job == JobDefinition(
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest",
        role="arn:aws:iam::123456789012:role/SageMakerRole",
        instance_count=2,
        instance_type="ml.c5.2xlarge",
        arguments=("--mode", "full", "10"),
        env={"MODE": "full", "DEBUG": "true"},
        volume_size_in_gb=100,
        max_runtime_in_seconds=3600,
        job_name="nightly-1",
        base_job_name="nightly",
        inputs=(
            ProcessingInput(f"{tmp_path}/data/raw/", "/opt/ml/processing/input/raw", "raw", "S3Prefix", "Pipe",
                            "ShardedByS3Key", "Gzip"),
            ProcessingInput("s3://bkt/ref/lookup.csv", "/opt/ml/processing/input/ref", "ref"),
        ),
        outputs=(
            ProcessingOutput("/opt/ml/processing/output/clean", "s3://bkt/clean/", "clean", "Continuous"),
            ProcessingOutput("/opt/ml/processing/output/report", str(tmp_path.parent / "reports"), "report"),
        ),
        code=f"{tmp_path}/src/preprocess.py",
        command=("python3", "-u"),
    )
    assert to_create_processing_job_request(job, "nightly-1") == {
        "ProcessingJobName": "nightly-1",
        "ProcessingInputs": [
            {"InputName": "raw", "AppManaged": False,
             "S3Input": {"S3Uri": f"{tmp_path}/data/raw/", "LocalPath": "/opt/ml/processing/input/raw",
                         "S3DataType": "S3Prefix", "S3InputMode": "Pipe",
                         "S3DataDistributionType": "ShardedByS3Key", "S3CompressionType": "Gzip"}},
            {"InputName": "ref", "AppManaged": False,
             "S3Input": {"S3Uri": "s3://bkt/ref/lookup.csv", "LocalPath": "/opt/ml/processing/input/ref",
                         "S3DataType": "S3Prefix", "S3InputMode": "File",
                         "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}},
            {"InputName": "code", "AppManaged": False,
             "S3Input": {"S3Uri": f"{tmp_path}/src/preprocess.py", "LocalPath": "/opt/ml/processing/input/code",
                         "S3DataType": "S3Prefix", "S3InputMode": "File",
                         "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}},
        ],
        "ProcessingOutputConfig": {"Outputs": [
            {"OutputName": "clean", "AppManaged": False,
             "S3Output": {"S3Uri": "s3://bkt/clean/", "LocalPath": "/opt/ml/processing/output/clean",
                          "S3UploadMode": "Continuous"}},
            {"OutputName": "report", "AppManaged": False,
             "S3Output": {"S3Uri": str(tmp_path.parent / "reports"), "LocalPath": "/opt/ml/processing/output/report",
                          "S3UploadMode": "EndOfJob"}},
        ]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.c5.2xlarge",
                                                  "VolumeSizeInGB": 100}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {
            "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest",
            "ContainerEntrypoint": ["python3", "-u", "/opt/ml/processing/input/code/preprocess.py"],
            "ContainerArguments": ["--mode", "full", "10"],
        },
        "Environment": {"MODE": "full", "DEBUG": "true"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    }


def test_minimal_job_file_takes_the_sdk_defaults(write_job: WriteJob) -> None:
    job = load_job_file(write_job("image_uri: proc:latest\nenv:\ninputs:\noutputs: []\n"))
    assert job == JobDefinition("proc:latest")


def test_paths_are_relative_to_the_job_file_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "job.yaml").write_text(
        "image_uri: proc\n"
        "inputs:\n"
        "  - {source: data, destination: /opt/ml/processing/a, input_name: a}\n"
        "  - {source: ~/data, destination: /opt/ml/processing/b, input_name: b}\n"
        "  - {source: /abs/data, destination: /opt/ml/processing/c, input_name: c}\n"
        "  - {source: 'file:///abs/data', destination: /opt/ml/processing/d, input_name: d}\n"
        "  - {source: 's3://bkt/data', destination: /opt/ml/processing/e, input_name: e}\n"
        "  - {source: ./x/../data/, destination: /opt/ml/processing/f, input_name: f}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", "/home/me")
    monkeypatch.chdir("/")
    job = load_job_file(tmp_path / "jobs" / "job.yaml")
    assert [i.source for i in job.inputs] == [
        f"{tmp_path}/jobs/data",
        "/home/me/data",
        "/abs/data",
        "file:///abs/data",
        "s3://bkt/data",
        f"{tmp_path}/jobs/data/",
    ]


def test_line_map_points_at_each_field(write_job: WriteJob) -> None:
    job_file = read_job_file(write_job(GOOD))
    assert job_file.line_for("instance_count") == 4
    assert job_file.line_for("env.DEBUG") == 9
    assert job_file.line_for("inputs[1]") == 22
    assert job_file.line_for("inputs[1].source") == 22
    assert job_file.line_for("inputs[1].s3_input_mode") == 22  # not written: the enclosing input's line
    assert job_file.line_for("arguments[2]") == 6
    assert job_file.line_for("nowhere") is None


BAD = [
    pytest.param(
        """
        image_uri: proc
        instance_typ: ml.m5.xlarge
        """,
        "job.yaml:2: instance_typ: unknown field; did you mean 'instance_type'?",
        id="typo-top-level",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - source: s3://bkt/raw/
            destinaton: /opt/ml/processing/input/raw
            input_name: raw
        """,
        "2 problems in the job definition:\n"
        "  job.yaml:3: inputs[0].destination: missing required field\n"
        "  job.yaml:4: inputs[0].destinaton: unknown field; did you mean 'destination'?",
        id="typo-in-input",
    ),
    pytest.param(
        """
        image_uri: proc
        colour: blue
        """,
        "job.yaml:2: colour: unknown field; expected one of image_uri, role, instance_count, instance_type, "
        "entrypoint, arguments, env, volume_size_in_gb, max_runtime_in_seconds, job_name, base_job_name, inputs, "
        "outputs, code, command, volume_kms_key, output_kms_key, network_config, tags, experiment_config",
        id="unknown-field",
    ),
    pytest.param(
        """
        image_uri: proc
        wait: false
        """,
        "job.yaml:2: wait: is an SDK argument this kit does not support: byoc run waits for the job",
        id="sdk-only-argument",
    ),
    pytest.param(
        """
        # Line 1: the brief's own example lands on line 14.
        # Line 2.
        image_uri: proc
        instance_count: 2

        inputs:
          - source: s3://bkt/raw/
            destination: /opt/ml/processing/input/raw
            input_name: raw

          - source: s3://bkt/ref/
            destination: /opt/ml/processing/input/ref
            input_name: ref
            s3_input_mode: Fast
        """,
        "job.yaml:14: inputs[1].s3_input_mode: 'Fast' is not one of File, Pipe",
        id="enum",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - {source: s3://bkt/raw/, destination: /opt/ml/processing/input/raw, input_name: raw,
             s3_input_mode: FastFile}
        """,
        "job.yaml:4: inputs[0].s3_input_mode: 'FastFile' is not supported for processing jobs: the service "
        "rejects it (the SDK docs list it); use File or Pipe",
        id="fastfile",
    ),
    pytest.param(
        """
        image_uri: proc
        env:
          MODE: full
          WORKERS: 4
          DEBUG: yes
        """,
        "2 problems in the job definition:\n"
        "  job.yaml:4: env.WORKERS: expected a string, got an integer 4; quote it if you mean the string: '4'\n"
        "  job.yaml:5: env.DEBUG: expected a string, got a boolean yes; quote it if you mean the string: 'yes'",
        id="env-needs-quotes",
    ),
    pytest.param(
        """
        image_uri: proc
        instance_count: "2"
        volume_size_in_gb: 30.5
        max_runtime_in_seconds: [1]
        """,
        "3 problems in the job definition:\n"
        "  job.yaml:2: instance_count: expected an integer, got a string '2'\n"
        "  job.yaml:3: volume_size_in_gb: expected an integer, got a number 30.5\n"
        "  job.yaml:4: max_runtime_in_seconds: expected an integer, got a list",
        id="integers",
    ),
    pytest.param(
        """
        image_uri: proc
        entrypoint: python3 /app/run.py
        """,
        "job.yaml:2: entrypoint: expected a list of strings, got a string; write it as a list: [python3, /app/run.py]",
        id="list-vs-scalar",
    ),
    pytest.param(
        """
        image_uri: proc
        arguments:
          - --epochs
          - 10
        """,
        "job.yaml:4: arguments[1]: expected a string, got an integer 10; quote it if you mean the string: '10'",
        id="argument-needs-quotes",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          source: s3://bkt/raw/
        """,
        "job.yaml:3: inputs: expected a list of mappings, got a mapping",
        id="mapping-vs-list",
    ),
    pytest.param(
        """
        role: arn:aws:iam::123456789012:role/R
        inputs:
          - source: s3://bkt/raw/
            destination: /opt/ml/processing/input/raw
        """,
        "job.yaml:1: image_uri: missing required field",
        id="missing-required",
    ),
    pytest.param(
        """
        image_uri: proc
        instance_count: 2
        instance_count: 3
        """,
        "job.yaml:3: instance_count: appears twice (first at line 2)",
        id="duplicate-key",
    ),
    pytest.param(
        """
        image_uri: proc
        env:
          1: one
          A: [x]
        """,
        "2 problems in the job definition:\n"
        "  job.yaml:3: env: keys must be variable names, got an integer 1\n"
        "  job.yaml:4: env.A: expected a string, got a list",
        id="env-keys-and-values",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - source: s3://bkt/raw/
            destination: /opt/ml/processing/input/raw
            input_name: raw
            s3_compression_type: Gzip
        """,
        "job.yaml:6: inputs[0].s3_compression_type: 'Gzip' needs s3_input_mode Pipe, not 'File': "
        "the service only gunzips while streaming",
        id="gzip-needs-pipe",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - {source: s3://bkt/a/, destination: /opt/ml/processing/input/data, input_name: a}
          - {source: s3://bkt/b/, destination: /opt/ml/processing/input/data/, input_name: a}
        outputs:
          - {source: /opt/ml/processing/input/data, destination: s3://bkt/out/, output_name: out}
        """,
        "3 problems in the job definition:\n"
        "  job.yaml:4: inputs[1].destination: '/opt/ml/processing/input/data/' is already used by "
        "inputs[0].destination\n"
        "  job.yaml:4: inputs[1].input_name: 'a' is already used by inputs[0]\n"
        "  job.yaml:6: outputs[0].source: '/opt/ml/processing/input/data' is already used by inputs[0].destination",
        id="local-path-clash",
    ),
    pytest.param(
        """
        image_uri: proc
        code: run.py
        entrypoint: [python3]
        """,
        "job.yaml:2: code: needs command, the program that runs it (e.g. [python3])",
        id="code-needs-command",
    ),
    pytest.param(
        """
        image_uri: proc
        job_name: nightly_run
        max_runtime_in_seconds: 864000
        role: SageMakerRole
        """,
        "3 problems in the job definition:\n"
        "  job.yaml:2: job_name: 'nightly_run' is not a valid job name: use letters, digits and hyphens, "
        "starting and ending with a letter or digit\n"
        "  job.yaml:3: max_runtime_in_seconds: 864000 is out of range: the service allows 1 to 777600\n"
        "  job.yaml:4: role: 'SageMakerRole' is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
        id="limits-in-line-order",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - source: s3://bkt/raw/
            destination: /opt/ml/processing/input/raw
            input_name: raw
              s3_input_mode: Pipe
        """,
        "job.yaml:6: invalid YAML: mapping values are not allowed here",
        id="yaml-syntax",
    ),
    pytest.param(
        """
        image_uri: proc
        ---
        image_uri: other
        """,
        "job.yaml:2: invalid YAML: expected a single document in the stream, but found another document",
        id="two-documents",
    ),
    pytest.param("", "job.yaml: is empty; a job file needs at least image_uri", id="empty"),
    pytest.param(
        """
        - image_uri: proc
        """,
        "job.yaml:1: expected a mapping of job fields, got a list",
        id="not-a-mapping",
    ),
    pytest.param(
        """
        image_uri: proc
        outputs:
          - [/opt/ml/processing/output, s3://bkt/out/]
        """,
        "job.yaml:3: outputs[0]: expected a mapping of ProcessingOutput fields, got a list",
        id="output-not-a-mapping",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_job_file(write_job: WriteJob, text: str, message: str) -> None:
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(write_job(text))
    assert str(caught.value) == message
    assert all(problem.file == "job.yaml" for problem in caught.value.problems)


def test_a_missing_job_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path}/nope.yaml: cannot be read: No such file or directory"


def test_a_non_utf8_job_file_is_named(write_job: WriteJob, tmp_path: Path) -> None:
    write_job("")
    (tmp_path / "job.yaml").write_bytes(b"image_uri: caf\xe9\n")
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file("job.yaml")
    assert str(caught.value) == "job.yaml: is not UTF-8 (invalid continuation byte at byte 14)"


def test_overrides_are_applied_then_validated(write_job: WriteJob) -> None:
    name = write_job("image_uri: proc\ninstance_count: 200\nvolume_size_in_gb: 0\n")
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(name, volume_size_in_gb=50)
    assert str(caught.value) == "job.yaml:2: instance_count: 200 is out of range: the service allows 1 to 100"
    assert load_job_file(name, instance_count=4, volume_size_in_gb=50) == JobDefinition(
        "proc", instance_count=4, volume_size_in_gb=50
    )


def test_a_bad_override_is_not_blamed_on_the_file(write_job: WriteJob) -> None:
    name = write_job("image_uri: proc\ninstance_count: 2\n")
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(name, instance_count=101)
    assert str(caught.value) == (
        "instance_count: 101 is out of range: the service allows 1 to 100 (given as an override)"
    )


SECURE = """
image_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest
role: arn:aws:iam::123456789012:role/SageMakerRole
instance_type: ml.r5.large
volume_kms_key: arn:aws:kms:us-east-1:123456789012:key/volume
output_kms_key: alias/outputs
network_config:
  enable_network_isolation: true
  security_group_ids: [sg-0a1b]
  subnets: [subnet-1, subnet-2]
  encrypt_inter_container_traffic: true
tags:
  team: ml
  cost-center: "4242"
experiment_config:
  ExperimentName: churn
inputs:
  - source: data/raw/
    destination: /opt/ml/processing/input/raw
  - input_name: orders
    local_source: data/orders.csv
    dataset_definition:
      local_path: /opt/ml/processing/input/orders
      athena_dataset_definition:
        catalog: AwsDataCatalog
        database: sales
        query_string: SELECT * FROM orders
        output_s3_uri: s3://bkt/athena/
        output_format: PARQUET
  - source: s3://bkt/app/
    app_managed: true
outputs:
  - source: /opt/ml/processing/output
    destination: s3://bkt/out/
  - output_name: features
    feature_store_output:
      feature_group_name: orders-fg
"""


def test_a_job_file_with_vpc_kms_tags_and_datasets(write_job: WriteJob, tmp_path: Path) -> None:
    job = load_job_file(write_job(SECURE))
    assert job == JobDefinition(
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest",
        role="arn:aws:iam::123456789012:role/SageMakerRole",
        instance_type="ml.r5.large",
        volume_kms_key="arn:aws:kms:us-east-1:123456789012:key/volume",
        output_kms_key="alias/outputs",
        network_config=NetworkConfig(True, ("sg-0a1b",), ("subnet-1", "subnet-2"), True),
        tags={"team": "ml", "cost-center": "4242"},
        experiment_config={"ExperimentName": "churn"},
        inputs=(
            ProcessingInput(f"{tmp_path}/data/raw/", "/opt/ml/processing/input/raw"),
            ProcessingInput(input_name="orders", local_source=f"{tmp_path}/data/orders.csv",
                            dataset_definition=DatasetDefinition(
                                local_path="/opt/ml/processing/input/orders",
                                athena_dataset_definition=AthenaDatasetDefinition(
                                    "AwsDataCatalog", "sales", "SELECT * FROM orders", "s3://bkt/athena/",
                                    output_format="PARQUET"))),
            ProcessingInput("s3://bkt/app/", app_managed=True),
        ),
        outputs=(
            ProcessingOutput("/opt/ml/processing/output", "s3://bkt/out/"),
            ProcessingOutput(output_name="features", feature_store_output=FeatureStoreOutput("orders-fg")),
        ),
    )
    request = to_create_processing_job_request(job, "secure")
    assert [i["InputName"] for i in request["ProcessingInputs"]] == ["input-1", "orders", "input-3"]
    assert [o["OutputName"] for o in request["ProcessingOutputConfig"]["Outputs"]] == ["output-1", "features"]
    assert "local_source" not in json.dumps(request) and "orders.csv" not in json.dumps(request)
    assert request["Tags"] == [{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "4242"}]


def test_tags_may_be_written_as_the_sdk_takes_them(write_job: WriteJob) -> None:
    listed = load_job_file(write_job("image_uri: proc\ntags:\n  - {Key: team, Value: ml}\n  - Key: env\n"
                                     "    Value: prod\n"))
    assert dict(listed.tags) == {"team": "ml", "env": "prod"}
    job_file = read_job_file("job.yaml")
    assert (job_file.line_for("tags.team"), job_file.line_for("tags.env")) == (3, 4)


BAD_NEW = [
    pytest.param(
        """
        image_uri: proc
        network_config:
          subnet: [subnet-1]
        """,
        "job.yaml:3: network_config.subnet: unknown field; did you mean 'subnets'?",
        id="network-typo",
    ),
    pytest.param(
        """
        image_uri: proc
        network_config:
          enable_network_isolation: "true"
          security_group_ids: [sg-1]
          subnets:
            - subnet-1
            - subnet_2
        """,
        "job.yaml:3: network_config.enable_network_isolation: expected true or false, got a string 'true'",
        id="boolean-quoted",
    ),
    pytest.param(
        """
        image_uri: proc
        network_config:
          security_group_ids: [sg-1]
          subnets:
            - subnet-1
            - subnet_2
        """,
        "job.yaml:6: network_config.subnets[1]: 'subnet_2' is not a subnet ID (letters, digits and hyphens, "
        "e.g. subnet-0123456789abcdef0)",
        id="subnet-pattern-line",
    ),
    pytest.param(
        """
        image_uri: proc
        tags:
          - {Key: team, Value: ml}
          - {Key: team, Value: data}
          - {key: owner, value: me}
        """,
        "2 problems in the job definition:\n"
        "  job.yaml:4: tags.team: appears twice (first at line 3)\n"
        "  job.yaml:5: tags[2]: expected a mapping with Key and Value (or write tags as a mapping: {team: ml})",
        id="tags-list",
    ),
    pytest.param(
        """
        image_uri: proc
        tags:
          team: ml
          cost center!: "1"
        """,
        "job.yaml:4: tags.cost center!: 'cost center!' is not a valid tag key: use letters, digits, spaces and "
        "_ . : / = + - @",
        id="tag-key-pattern",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - input_name: orders
            dataset_definition:
              local_path: /opt/ml/processing/input/orders
              athena_dataset_definition:
                catalog: AwsDataCatalog
                database: sales
                query_string: SELECT 1
                output_s3_uri: s3://bkt/athena/
        """,
        "job.yaml:6: inputs[0].dataset_definition.athena_dataset_definition.output_format: missing required field",
        id="athena-missing-format",
    ),
    pytest.param(
        """
        image_uri: proc
        outputs:
          - output_name: features
            feature_store_output: {feature_group: orders}
        """,
        "2 problems in the job definition:\n"
        "  job.yaml:4: outputs[0].feature_store_output.feature_group: unknown field; did you mean "
        "'feature_group_name'?\n"
        "  job.yaml:4: outputs[0].feature_store_output.feature_group_name: missing required field",
        id="feature-store-typo",
    ),
    pytest.param(
        """
        image_uri: proc
        inputs:
          - source: s3://bkt/a/
            destination: /opt/ml/processing/input/a
          - source: s3://bkt/b/
            destination: /opt/ml/processing/input/b
            input_name: input-1
        """,
        "job.yaml:7: inputs[1].input_name: 'input-1' is already used by inputs[0]",
        id="sdk-name-taken",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_NEW)
def test_bad_job_file_with_the_new_fields(write_job: WriteJob, text: str, message: str) -> None:
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(write_job(text))
    assert str(caught.value) == message


DESCRIBED: dict[str, Any] = {
    "ProcessingInputs": [
        {"InputName": "input-1", "AppManaged": False,
         "S3Input": {"S3Uri": "s3://bkt/raw/", "LocalPath": "/opt/ml/processing/input", "S3DataType": "S3Prefix",
                     "S3InputMode": "File", "S3DataDistributionType": "ShardedByS3Key", "S3CompressionType": "None"}},
        {"InputName": "code", "AppManaged": False,
         "S3Input": {"S3Uri": "s3://bkt/job/input/code/preprocess.py", "LocalPath": "/opt/ml/processing/input/code",
                     "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated",
                     "S3CompressionType": "None"}},
    ],
    "ProcessingOutputConfig": {"Outputs": [
        {"OutputName": "train", "AppManaged": False,
         "S3Output": {"S3Uri": "s3://bkt/out/train", "LocalPath": "/opt/ml/processing/train",
                      "S3UploadMode": "EndOfJob"}},
    ]},
    "ProcessingJobName": "preprocess-2024-05-01-10-00-00-123",
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.m5.xlarge",
                                              "VolumeSizeInGB": 30}},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "AppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest",
                         "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/preprocess.py"],
                         "ContainerArguments": ["--train-test-split-ratio", "0.2"]},
    "Environment": {"MODE": "full"},
    "NetworkConfig": {"EnableInterContainerTrafficEncryption": False, "EnableNetworkIsolation": False},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/preprocess-2024-05-01-10-00-00-123",
    "ProcessingJobStatus": "Failed",
    "ExitMessage": "Traceback (most recent call last):\n  ...",
    "FailureReason": "AlgorithmError: See job logs for more information",
    "ProcessingEndTime": "2024-05-01T10:09:51.000000+00:00",
    "ProcessingStartTime": "2024-05-01T10:04:12.000000+00:00",
    "LastModifiedTime": "2024-05-01T10:09:51.312000+00:00",
    "CreationTime": "2024-05-01T10:00:00.512000+00:00",
}


def test_a_job_file_may_be_the_request_as_describe_processing_job_prints_it(tmp_path: Path) -> None:
    path = tmp_path / "failed.json"
    path.write_text(json.dumps(DESCRIBED, indent=4), encoding="utf-8")
    job_file = read_job_file(path)
    request = {k: v for k, v in DESCRIBED.items() if not k.startswith(("Processing", "Exit", "Failure", "Last",
                                                                         "Creation"))}
    expected = {**request, "ProcessingInputs": DESCRIBED["ProcessingInputs"],
                "ProcessingOutputConfig": DESCRIBED["ProcessingOutputConfig"],
                "ProcessingResources": DESCRIBED["ProcessingResources"]}
    assert to_create_processing_job_request(job_file.definition, DESCRIBED["ProcessingJobName"]) == {
        **expected, "ProcessingJobName": DESCRIBED["ProcessingJobName"]}
    assert job_file.notes == (
        "ignored CreationTime, ExitMessage, FailureReason, LastModifiedTime, ProcessingEndTime, ProcessingJobArn, "
        "ProcessingJobStatus, ProcessingStartTime: DescribeProcessingJob's, not part of the job",
    )
    notes: list[str] = []
    assert load_job_file(path, on_note=notes.append) == job_file.definition
    assert notes == [f"{path}: {job_file.notes[0]}"]


def test_a_request_job_file_names_json_paths_and_lines(tmp_path: Path) -> None:
    described = json.loads(json.dumps(DESCRIBED))
    described["ProcessingInputs"][0]["S3Input"]["LocalPath"] = "/opt/ml/input"
    described["ProcessingResources"]["ClusterConfig"]["InstanceType"] = "ml.m5.xlarg"
    described["Tags"] = [{"Key": "team", "Value": "ml"}, {"Key": "team", "Value": "data"}]
    path = tmp_path / "job.json"
    path.write_text(json.dumps(described, indent="\t"), encoding="utf-8")
    with pytest.raises(JobDefinitionError) as caught:
        read_job_file(path)
    assert [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems] == [
        "job.json:8: ProcessingInputs[0].S3Input.LocalPath: '/opt/ml/input' must be an absolute path under "
        "/opt/ml/processing/",
        "job.json:45: ProcessingResources.ClusterConfig.InstanceType: 'ml.m5.xlarg' is not a SageMaker Processing "
        "instance type (e.g. ml.m5.xlarge)",
        "job.json:85: Tags[1].Key: 'team' appears twice (first at Tags[0]); tag keys are unique",
    ]


def test_a_request_job_file_in_yaml_with_local_paths(write_job: WriteJob, tmp_path: Path) -> None:
    job = load_job_file(write_job("""
        AppSpecification: {ImageUri: proc}
        ProcessingResources:
          ClusterConfig: {InstanceType: ml.m5.large, VolumeSizeInGB: 10}
        ProcessingInputs:
          - InputName: data
            S3Input: {S3Uri: data/, LocalPath: /opt/ml/processing/input, S3DataType: S3Prefix}
        ProcessingOutputConfig:
          Outputs:
            - OutputName: out
              S3Output: {S3Uri: out, LocalPath: /opt/ml/processing/output, S3UploadMode: Continuous}
    """))
    assert job == JobDefinition(
        "proc", instance_type="ml.m5.large", volume_size_in_gb=10,
        inputs=(ProcessingInput(f"{tmp_path}/data/", "/opt/ml/processing/input", "data"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output", f"{tmp_path}/out", "out", "Continuous"),),
    )


def test_a_json_file_with_the_sdks_names_is_a_job_file(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"image_uri": "proc", "instance_count": 2}), encoding="utf-8")
    assert load_job_file(path) == JobDefinition("proc", instance_count=2)


def test_a_capitalized_typo_is_not_taken_for_the_apis_names(write_job: WriteJob) -> None:
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(write_job("Image_uri: proc\n"))
    assert str(caught.value) == (
        "2 problems in the job definition:\n"
        "  job.yaml:1: Image_uri: unknown field; did you mean 'image_uri'?\n"
        "  job.yaml:1: image_uri: missing required field"
    )


def test_a_request_job_file_of_the_wrong_shape_is_named_not_a_crash(write_job: WriteJob) -> None:
    with pytest.raises(JobDefinitionError) as caught:
        load_job_file(write_job("AppSpecification: {ImageUri: proc}\nProcessingResources: [1]\n"))
    assert str(caught.value) == "job.yaml:2: ProcessingResources: expected a mapping, got list [1]"
