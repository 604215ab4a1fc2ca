"""Unchanged client code, with only the environment `byoc serve --print-env` prints, creates a job through the
endpoint and describes it: SDK v2, SDK v3 (sagemaker-core) and the AWS CLI, each in its own venv
(`make clients`), each process guarded so that any connection leaving the machine fails the test.

The SDK clients whose jobs take a while all start together (`ahead`), and each test reads its own: the
SDKs sleep between polls (v2 up to 10 s), so one after the other their sleeps would add up; side by side
the endpoint runs their jobs at once, as it would for a team sharing it."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class Client:
    """A client process running in `folder`; `job` is the job name it was given, if any."""

    venv: str
    folder: Path
    process: subprocess.Popen[str]
    job: str = ""

    def output(self) -> str:
        """Its stdout once it has ended, having stayed on this machine and exited 0."""
        try:
            stdout, stderr = self.process.communicate(timeout=900)
        finally:
            self.process.kill()  # a no-op once it has ended
        left = self.folder / "left.log"
        assert not left.exists(), f"the client tried to leave the machine: {left.read_text()}"
        assert self.process.returncode == 0, f"{self.venv} client failed:\n{stdout}\n{stderr}"
        return stdout


def start_client(server: Server, folder: Path, venv: str, *command: str, job: str = "") -> Client:
    executable = CLIENTS / venv / "bin" / command[0]
    if not executable.exists():
        pytest.fail(f"{executable} is missing: run `make clients`")
    process = subprocess.Popen([str(executable), *command[1:]], env=client_env(server, folder), cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Client(venv, folder, process, job)


def run_client(server: Server, tmp_path: Path, venv: str, *command: str) -> str:
    return start_client(server, tmp_path, venv, *command).output()


# The clients started ahead, by the test that reads each: its venv, its script, the prefix of the job name
# it is given (with the role; none: the script names its job), whether it is also given its folder.
AHEAD: dict[str, tuple[str, Path, str, bool]] = {
    "test_sdk_v2_processor_runs_with_logs_and_describes": ("sdk-v2", SCRIPTS / "sdk_v2_processor.py", "sdk-v2", False),
    "test_sdk_v3_processor_runs_with_logs_and_describes": ("sdk-v3", SCRIPTS / "sdk_v3_processor.py", "sdk-v3", False),
    "test_sdk_v2_sklearn_processor_uploads_code_and_input_to_the_default_bucket": (
        "sdk-v2", SCRIPTS / "sdk_v2_sklearn.py", "sdk-v2-sklearn", True),
    "test_sdk_v2_pyspark_processor_runs_on_two_instances": (
        "sdk-v2", SCRIPTS / "sdk_v2_pyspark.py", "sdk-v2-spark", True),
    "test_sdk_v3_script_processor_uploads_code_and_input_to_the_default_bucket": (
        "sdk-v3", SCRIPTS / "sdk_v3_script.py", "sdk-v3-script", True),
    "test_sdk_v2_framework_processor_runs_its_source_dir": (
        "sdk-v2", SCRIPTS / "sdk_v2_framework.py", "sdk-v2-framework", True),
    "test_the_readme_sdk_example_runs_two_hosts_with_s3_in_and_out": (
        "sdk-v3", REPO / "examples" / "sdk" / "processing_job.py", "", False),
}


@pytest.fixture(scope="module")
def ahead(server: Server, tmp_path_factory: pytest.TempPathFactory,
          request: pytest.FixtureRequest) -> Iterator[dict[str, Client]]:
    """The clients of AHEAD whose tests were selected, all started at once."""
    selected = {item.name for item in request.session.items if item.path == request.path}
    started: dict[str, Client] = {}
    try:
        for test, (venv, script, prefix, given_folder) in AHEAD.items():
            if test not in selected:
                continue
            folder = tmp_path_factory.mktemp(prefix or "client")
            job = unique(prefix) if prefix else ""
            args = ([job, ROLE] if job else []) + ([str(folder)] if given_folder else [])
            started[test] = start_client(server, folder, venv, "python", str(script), *args, job=job)
        yield started
    finally:
        for client in started.values():
            client.process.kill()
            client.process.communicate()


@pytest.fixture
def client(ahead: dict[str, Client], request: pytest.FixtureRequest) -> Client:
    """This test's client, started ahead."""
    return ahead[request.node.name]


def test_sdk_v2_processor_runs_with_logs_and_describes(client: Client) -> None:
    out = client.output()
    assert "hello from sdk v2" in out  # printed live by Processor.run(logs=True)
    described = json.loads(out.strip().splitlines()[-1])
    assert (described["ProcessingJobName"], described["ProcessingJobStatus"]) == (client.job, "Completed")


def test_sdk_v3_processor_runs_with_logs_and_describes(client: Client) -> None:
    out = client.output()
    assert "hello from sdk v3" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert (described["ProcessingJobName"], described["ProcessingJobStatus"]) == (client.job, "Completed")


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


def test_sdk_v2_sklearn_processor_uploads_code_and_input_to_the_default_bucket(server: Server, client: Client) -> None:
    out = client.output()
    assert "rows 3" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert "/sagemaker-scikit-learn:1.2-1-cpu-py3" in described["ImageUri"]
    bucket, _, key = described["Output"].removeprefix("s3://").partition("/")
    assert bucket == "sagemaker-local"
    body = server.client("s3").get_object(Bucket=bucket, Key=f"{key}/doubled.csv")["Body"].read()
    assert body == b"x,y\n1,2\n2,4\n3,6\n"


def test_sdk_v2_pyspark_processor_runs_on_two_instances(client: Client) -> None:
    out = client.output()
    assert "sum of doubles 999000" in out
    assert "executors 2" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert "/sagemaker-spark-processing:3.5-cpu" in described["ImageUri"]


def test_sdk_v3_script_processor_uploads_code_and_input_to_the_default_bucket(client: Client) -> None:
    out = client.output()
    assert "counted 2 words" in out
    described = json.loads(out.strip().splitlines()[-1])
    assert described["ProcessingJobStatus"] == "Completed"
    assert all(uri.startswith("s3://sagemaker-local/") for uri in described["Inputs"])


def test_sdk_v2_framework_processor_runs_its_source_dir(client: Client) -> None:
    out = client.output()
    assert "hello framework from source_dir" in out
    assert json.loads(out.strip().splitlines()[-1])["ProcessingJobStatus"] == "Completed"


def test_the_readme_sdk_example_runs_two_hosts_with_s3_in_and_out(client: Client) -> None:
    """examples/sdk/processing_job.py, as the README's quickstart runs it: sharded S3 input, S3 output."""
    out = client.output()
    assert "inventory: algo-1 wrote" in out and "inventory: algo-2 wrote" in out  # the hosts' lines, live
    listed = out.split("outputs:", 1)[1].split()
    assert sorted(key.rsplit("/", 1)[-1] for key in listed) == ["algo-1.json", "algo-2.json"]
