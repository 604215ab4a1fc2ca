"""Unchanged client code, with only the environment `byoc serve --print-env` prints, creates a job through the
endpoint and describes it: SDK v2, SDK v3 (sagemaker-core) and the AWS CLI, each in its own venv
(`make clients`), each process guarded so that any connection leaving the machine fails the test."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.serve.conftest import REPO, SERVE, Server, unique

CLIENTS = REPO / ".clients"
GUARD = Path(__file__).parent / "clients" / "guard"
SCRIPTS = Path(__file__).parent / "clients"
ROLE = "arn:aws:iam::000000000000:role/SageMakerProcessing"


def client_env(server: Server, tmp_path: Path) -> dict[str, str]:
    printed = subprocess.run([*SERVE, "--print-env", "--state-dir", str(server.state)],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEMAKER_", "BYOC_", "PYTHON"))}
    for line in printed.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            env[name] = shlex.split(value)[0]
    empty = tmp_path / "empty"
    empty.write_text("")
    env.update(HOME=str(tmp_path), AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(GUARD), BYOC_GUARD_LOG=str(tmp_path / "left.log"),
               SAGEMAKER_SUPPRESS_V2_WARNING="1", NO_PROXY="127.0.0.1,localhost")
    return env


def run_client(server: Server, tmp_path: Path, venv: str, *command: str) -> str:
    executable = CLIENTS / venv / "bin" / command[0]
    if not executable.exists():
        pytest.fail(f"{executable} is missing: run `make clients`")
    env = client_env(server, tmp_path)
    result = subprocess.run([str(executable), *command[1:]], env=env, capture_output=True, text=True, timeout=900,
                            cwd=tmp_path)
    left = tmp_path / "left.log"
    assert not left.exists(), f"the client tried to leave the machine: {left.read_text()}"
    assert result.returncode == 0, f"{venv} client failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_sdk_v2_processor_runs_with_logs_and_describes(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v2")
    out = run_client(server, tmp_path, "sdk-v2", "python", str(SCRIPTS / "sdk_v2_processor.py"), name, ROLE)
    assert "hello from sdk v2" in out  # printed live by Processor.run(logs=True)
    described = json.loads(out.strip().splitlines()[-1])
    assert (described["ProcessingJobName"], described["ProcessingJobStatus"]) == (name, "Completed")


def test_sdk_v3_processor_runs_with_logs_and_describes(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v3")
    out = run_client(server, tmp_path, "sdk-v3", "python", str(SCRIPTS / "sdk_v3_processor.py"), name, ROLE)
    assert "hello from sdk v3" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert (described["ProcessingJobName"], described["ProcessingJobStatus"]) == (name, "Completed")


def test_aws_cli_creates_from_cli_input_json_and_describes(server: Server, tmp_path: Path) -> None:
    name = unique("awscli")
    request = {"ProcessingJobName": name, "RoleArn": ROLE,
               "AppSpecification": {"ImageUri": "byoc/base:latest",
                                    "ContainerEntrypoint": ["python3", "-c", "print('hello from the cli')"]},
               "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.t3.medium",
                                                         "VolumeSizeInGB": 1}}}
    (tmp_path / "job.json").write_text(json.dumps(request))
    created = json.loads(run_client(server, tmp_path, "awscli", "aws", "sagemaker", "create-processing-job",
                                    "--cli-input-json", "file://job.json"))
    assert created["ProcessingJobArn"].endswith(f"processing-job/{name}")
    run_client(server, tmp_path, "awscli", "aws", "sagemaker", "wait", "processing-job-completed-or-stopped",
               "--processing-job-name", name)
    described = json.loads(run_client(server, tmp_path, "awscli", "aws", "sagemaker", "describe-processing-job",
                                      "--processing-job-name", name))
    assert described["ProcessingJobStatus"] == "Completed"
    assert described["AppSpecification"] == request["AppSpecification"]


def test_sdk_v2_sklearn_processor_uploads_code_and_input_to_the_default_bucket(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v2-sklearn")
    out = run_client(server, tmp_path, "sdk-v2", "python", str(SCRIPTS / "sdk_v2_sklearn.py"), name, ROLE,
                     str(tmp_path))
    assert "rows 3" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert "/sagemaker-scikit-learn:1.2-1-cpu-py3" in described["ImageUri"]
    bucket, _, key = described["Output"].removeprefix("s3://").partition("/")
    assert bucket == "sagemaker-local"
    body = server.client("s3").get_object(Bucket=bucket, Key=f"{key}/doubled.csv")["Body"].read()
    assert body == b"x,y\n1,2\n2,4\n3,6\n"


def test_sdk_v2_pyspark_processor_runs_on_two_instances(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v2-spark")
    out = run_client(server, tmp_path, "sdk-v2", "python", str(SCRIPTS / "sdk_v2_pyspark.py"), name, ROLE,
                     str(tmp_path))
    assert "sum of doubles 999000" in out
    assert "executors 2" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert "/sagemaker-spark-processing:3.5-cpu" in described["ImageUri"]


def test_sdk_v3_script_processor_uploads_code_and_input_to_the_default_bucket(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v3-script")
    out = run_client(server, tmp_path, "sdk-v3", "python", str(SCRIPTS / "sdk_v3_script.py"), name, ROLE,
                     str(tmp_path))
    assert "counted 2 words" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert all(uri.startswith("s3://sagemaker-local/") for uri in described["Inputs"])


def test_sdk_v2_framework_processor_runs_its_source_dir(server: Server, tmp_path: Path) -> None:
    name = unique("sdk-v2-framework")
    out = run_client(server, tmp_path, "sdk-v2", "python", str(SCRIPTS / "sdk_v2_framework.py"), name, ROLE,
                     str(tmp_path))
    assert "hello framework from source_dir" in out
    assert json.loads(out.strip().splitlines()[-1])["ProcessingJobStatus"] == "Completed"


def test_the_readme_sdk_example_runs_two_hosts_with_s3_in_and_out(server: Server, tmp_path: Path) -> None:
    """examples/sdk/processing_job.py, as the README's quickstart runs it: sharded S3 input, S3 output."""
    out = run_client(server, tmp_path, "sdk-v3", "python", str(REPO / "examples" / "sdk" / "processing_job.py"))
    assert "inventory: algo-1 wrote" in out and "inventory: algo-2 wrote" in out  # the hosts' lines, live
    listed = out.split("outputs:", 1)[1].split()
    assert sorted(key.rsplit("/", 1)[-1] for key in listed) == ["algo-1.json", "algo-2.json"]
