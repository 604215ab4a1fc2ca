"""Definitions built in Python, checked against the service's limits (docs/processing-contract.md section 9)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.errors import JobDefinitionError, Problem
from launcher.validation import find_problems, validate

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
