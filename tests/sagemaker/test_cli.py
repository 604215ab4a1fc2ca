"""`byoc run|describe|logs|stop --backend sagemaker`, in this process, against moto."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from launcher.sagemaker_backend import settings
from launcher.sagemaker_backend.settings import SageMakerOptions
from tests.sagemaker.conftest import IMAGE, ROLE, byoc, moto_job, seed_logs

JOB = """
image_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/byoc/sklearn:1.0
{role}
instance_count: 2
arguments: [pca_ecg, --n-components, "4"]
inputs:
  - {{source: s3://bkt/ecg/, destination: /opt/ml/processing/input/ecg, input_name: ecg,
     s3_data_distribution_type: ShardedByS3Key}}
outputs:
  - {{source: /opt/ml/processing/output/pca, destination: s3://bkt/pca/, output_name: pca}}
"""


@pytest.fixture
def job_file(write_job: Callable[[str], Path]) -> Callable[..., str]:
    def write(role: str | None = ROLE) -> str:
        return str(write_job(JOB.format(role=f"role: {role}" if role else "")))

    return write


def test_dry_run_prints_the_request_as_json(job_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    # No credentials and no endpoint: nothing is sent, so nothing is needed but a region.
    result = byoc("run", job_file(), "--backend", "sagemaker", "--dry-run", "--bucket", "bkt", "--region", "eu-west-1",
                  "--job-name", "pca-dry", "--instance-count", "8")
    assert result.exit_code == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["ProcessingJobName"] == "pca-dry"
    assert request["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 8
    assert request["AppSpecification"]["ContainerArguments"] == ["pca_ecg", "--n-components", "4"]
    assert request["ProcessingInputs"][0]["S3Input"]["S3DataDistributionType"] == "ShardedByS3Key"


@pytest.mark.parametrize(("args", "env", "named"), [
    ((), {"BYOC_BUCKET": "bkt"}, ["--role", "role:", "BYOC_ROLE_ARN"]),
    (("--role", ROLE), {}, ["--bucket", "BYOC_BUCKET"]),
    (("--role", ROLE, "--bucket", "bkt"), {"AWS_REGION": ""}, ["--region", "AWS_REGION"]),
])
def test_missing_settings_fail_naming_every_way_to_give_them(
    job_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], env: dict[str, str],
    named: list[str],
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = byoc("run", job_file(role=None), "--backend", "sagemaker", "--dry-run", *args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    for word in named:
        assert word in result.stderr


def test_role_and_bucket_come_from_the_environment(job_file: Callable[..., str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOC_ROLE_ARN", ROLE)
    monkeypatch.setenv("BYOC_BUCKET", "s3://env-bucket/")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    result = byoc("run", job_file(role=None), "--backend", "sagemaker", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["RoleArn"] == ROLE


def test_an_invalid_role_flag_is_a_job_definition_error(job_file: Callable[..., str]) -> None:
    result = byoc("run", job_file(), "--backend", "sagemaker", "--dry-run", "--bucket", "b", "--region", "us-east-1",
                  "--role", "admin")
    assert result.exit_code == 2
    assert "role: 'admin' is not an IAM role ARN" in result.stderr


def test_sagemaker_only_options_are_refused_on_the_local_backend(job_file: Callable[..., str]) -> None:
    result = byoc("run", job_file(), "--bucket", "bkt", "--no-wait")
    assert result.exit_code == 2
    assert "--bucket: only for --backend sagemaker" in result.stderr


def test_no_wait_prints_the_job_name(job_file: Callable[..., str], bucket: str, sagemaker_admin: Any) -> None:
    result = byoc("run", job_file(), "--backend", "sagemaker", "--bucket", bucket, "--job-name", "quick", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "quick\n"
    assert sagemaker_admin.describe_processing_job(ProcessingJobName="quick")["ProcessingJobStatus"] == "Completed"


def test_wait_streams_every_hosts_logs_then_the_outcome(job_file: Callable[..., str], bucket: str,
                                                        logs_admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SageMakerOptions", functools.partial(SageMakerOptions, poll_seconds=0.01))
    seed_logs(logs_admin, "waited", {"algo-1": ["start 1", "done 1"], "algo-2": ["start 2", "done 2"]})
    seed_logs(logs_admin, "waited-other", {"algo-1": ["not this job"]})  # a longer name with the same prefix
    result = byoc("run", job_file(), "--backend", "sagemaker", "--bucket", bucket, "--job-name", "waited")
    assert result.exit_code == 0, result.stderr
    log_lines = [line for line in result.stderr.splitlines() if " | " in line]
    assert log_lines == ["algo-1 | start 1", "algo-2 | start 2", "algo-1 | done 1", "algo-2 | done 2"]
    assert "submitted waited" in result.stderr
    assert "status     Completed" in result.stdout
    assert "output     pca -> s3://bkt/pca/" in result.stdout


def test_describe_shows_reason_message_and_outputs(job_file: Callable[..., str], bucket: str) -> None:
    assert byoc("run", job_file(), "--backend", "sagemaker", "--bucket", bucket, "--job-name", "broken",
                "--no-wait").exit_code == 0
    job = moto_job("broken")
    job.processing_job_status = "Failed"
    job.failure_reason = "AlgorithmError: see job logs"
    job.exit_message = "InputError: ecg/part-3.csv line 7: expected 188 columns, got 12"
    result = byoc("describe", "broken", "--backend", "sagemaker")
    assert result.exit_code == 0, result.stderr
    assert "status     Failed" in result.stdout
    assert "reason     AlgorithmError: see job logs" in result.stdout
    assert "message    InputError: ecg/part-3.csv line 7" in result.stdout
    assert "output     pca -> s3://bkt/pca/  (the job is Failed: may be partial or missing)" in result.stdout
    as_json = json.loads(byoc("describe", "broken", "--backend", "sagemaker", "--json").stdout)
    assert as_json["ProcessingJobStatus"] == "Failed" and as_json["ExitMessage"].startswith("InputError")


def test_describe_of_an_unknown_job_names_it(aws: str) -> None:
    result = byoc("describe", "nope", "--backend", "sagemaker")
    assert result.exit_code == 2
    assert "no SageMaker processing job named 'nope' in us-east-1" in result.stderr


def test_logs_prints_one_host_or_all(job_file: Callable[..., str], bucket: str, logs_admin: Any) -> None:
    seed_logs(logs_admin, "logged", {"algo-1": ["one"], "algo-2": ["two"]})
    assert byoc("logs", "logged", "--backend", "sagemaker").stdout == "algo-1 | one\nalgo-2 | two\n"
    assert byoc("logs", "logged", "--backend", "sagemaker", "--host", "algo-2").stdout == "algo-2 | two\n"
    missing = byoc("logs", "logged", "--backend", "sagemaker", "--host", "algo-9")
    assert missing.exit_code == 2 and "no host 'algo-9' (hosts: algo-1, algo-2)" in missing.stderr


def test_stop_stops_a_running_job_and_refuses_an_ended_one(job_file: Callable[..., str], bucket: str,
                                                           sagemaker_admin: Any) -> None:
    assert byoc("run", job_file(), "--backend", "sagemaker", "--bucket", bucket, "--job-name", "long",
                "--no-wait").exit_code == 0
    ended = byoc("stop", "long", "--backend", "sagemaker")
    assert ended.exit_code == 2 and "job 'long' already ended: Completed" in ended.stderr
    moto_job("long").processing_job_status = "InProgress"
    stopped = byoc("stop", "long", "--backend", "sagemaker")
    assert stopped.exit_code == 0, stopped.stderr
    assert "asked long to stop" in stopped.stderr
    assert sagemaker_admin.describe_processing_job(ProcessingJobName="long")["ProcessingJobStatus"] == "Stopped"


def test_the_local_example_runs_unchanged_and_its_output_comes_home(
    write_job: Callable[[str], Path], bucket: str, s3_admin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "SageMakerOptions", functools.partial(SageMakerOptions, poll_seconds=0.01))
    (tmp_path / "ecg").mkdir()
    (tmp_path / "ecg" / "ecg-0.csv").write_text("t,v\n0,1\n")
    job_file = write_job(f"""
        image_uri: byoc/sklearn:latest
        role: {ROLE}
        arguments: [pca_ecg, --n-components, "4"]
        inputs:
          - {{source: ecg, destination: /opt/ml/processing/input/ecg, input_name: ecg}}
        outputs:
          - {{source: /opt/ml/processing/output/pca, destination: output/pca, output_name: pca}}
        """)
    # SageMaker's end-of-job upload, done ahead: moto completes the job as soon as it is created.
    s3_admin.put_object(Bucket=bucket, Key="byoc/fetched/output/pca/pca_ecg-0.csv", Body=b"pc1\n0.5\n")
    result = byoc("run", str(job_file), "--backend", "sagemaker", "--bucket", bucket, "--job-name", "fetched", "-q",
                  "--image-uri", IMAGE)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "output" / "pca" / "pca_ecg-0.csv").read_bytes() == b"pc1\n0.5\n"
    uploaded = s3_admin.get_object(Bucket=bucket, Key="byoc/fetched/input/ecg/ecg-0.csv")["Body"].read()
    assert uploaded == b"t,v\n0,1\n"
    assert f"output     pca -> {tmp_path}/output/pca (1 of 1 objects)" in result.stdout
