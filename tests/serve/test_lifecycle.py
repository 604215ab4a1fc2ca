"""`byoc serve` around the endpoint: --detach with a pid file, --stop, and S3 passed through to another endpoint
(here a moto server standing in for MinIO or AWS) with the user's own keys accepted."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import boto3
import docker
import pytest
from botocore.exceptions import ClientError

from launcher.local.gateway import LABEL_OWNER, owner
from tests.serve.conftest import (
    REGION,
    REPO,
    SERVE,
    job_request,
    remove_jobs,
    server_environment,
    start_server,
    unique,
    wait_status,
)


def serve(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SERVE, "--state-dir", str(root / "state"), *args],
                          cwd=REPO, env=env or server_environment(root), capture_output=True, text=True, timeout=120)


def test_detach_writes_a_pid_file_and_stop_ends_the_server(tmp_path: Path) -> None:
    started = serve(tmp_path, "--detach", "--port", "0", "--jobs-dir", str(tmp_path / "jobs"))
    assert started.returncode == 0, started.stderr
    pid = int((tmp_path / "state" / "serve.pid").read_text())
    url = json.loads((tmp_path / "state" / "server.json").read_text())["url"]
    assert f"at {url} (pid {pid}" in started.stdout
    os.kill(pid, 0)  # alive
    again = serve(tmp_path, "--detach", "--port", "0")
    assert again.returncode == 2 and "already runs" in again.stderr
    stopped = serve(tmp_path, "--stop")
    assert stopped.returncode == 0 and f"(pid {pid}) stopped" in stopped.stdout
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (tmp_path / "state" / "serve.pid").exists()
    assert "byoc serve: stopped" in (tmp_path / "state" / "serve.log").read_text()
    none = serve(tmp_path, "--stop")
    assert none.returncode == 2 and "no detached byoc serve" in none.stderr


@pytest.fixture
def other_s3(container_moto: str) -> str:
    """An S3 of the user's own, reachable from the host and from job containers (tests/engines.py)."""
    return container_moto


def test_s3_passed_through_to_the_users_endpoint_with_the_users_keys(tmp_path: Path, other_s3: str) -> None:
    env_keys = {"AWS_ACCESS_KEY_ID": "AKIAUSERSOWNKEY00000", "AWS_SECRET_ACCESS_KEY": "users-own-secret"}
    root = tmp_path / "serve"
    root.mkdir()
    server = start_server(root, "--s3-endpoint-url", other_s3, extra_env=env_keys)  # the user's own chain
    try:
        user = boto3.session.Session(aws_access_key_id=env_keys["AWS_ACCESS_KEY_ID"],
                                     aws_secret_access_key=env_keys["AWS_SECRET_ACCESS_KEY"], region_name=REGION)
        s3 = user.client("s3", endpoint_url=other_s3)
        sagemaker = user.client("sagemaker", endpoint_url=server.url)
        bucket = unique("real")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"real data")
        name = unique("pass")
        copy = ("import shutil; shutil.copytree('/opt/ml/processing/input/data', '/opt/ml/processing/output/out', "
                "dirs_exist_ok=True)")
        sagemaker.create_processing_job(**job_request(
            name, AppSpecification={"ImageUri": "byoc/base:latest", "ContainerEntrypoint": ["python3", "-c", copy]},
            ProcessingInputs=[{"InputName": "data", "S3Input": {
                "S3Uri": f"s3://{bucket}/in/", "LocalPath": "/opt/ml/processing/input/data",
                "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
            ProcessingOutputConfig={"Outputs": [{"OutputName": "out", "S3Output": {
                "S3Uri": f"s3://{bucket}/out/", "LocalPath": "/opt/ml/processing/output/out",
                "S3UploadMode": "EndOfJob"}}]}))
        done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
        assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
        assert s3.get_object(Bucket=bucket, Key="out/a.txt")["Body"].read() == b"real data"
        with pytest.raises(ClientError) as caught:
            server.client("s3").list_buckets()
        assert caught.value.response["Error"]["Code"] == "NotImplemented"
        assert other_s3 in caught.value.response["Error"]["Message"]
        printed = serve(root, "--print-env", "--s3-endpoint-url", other_s3).stdout
        assert f"export AWS_ENDPOINT_URL_S3={other_s3}\n" in printed
        assert f"export AWS_ENDPOINT_URL_SAGEMAKER={server.url}\n" in printed
        assert "AWS_SECRET_ACCESS_KEY" not in printed
    finally:
        server.stop()
        assert not remove_jobs(server.jobs)


SLEEPER = ("import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: sys.exit(143)); "
           "print('up', flush=True); time.sleep(600)")


def test_a_server_stopped_with_a_job_in_progress_stops_the_job_and_leaves_nothing(tmp_path: Path) -> None:
    server = start_server(tmp_path / "serve")
    sagemaker = server.client("sagemaker")
    name = unique("shutdown")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": "byoc/base:latest", "ContainerEntrypoint": ["python3", "-c", SLEEPER]}))
    wait_status(sagemaker, name, {"InProgress"})
    assert server.stop() == 0
    record = json.loads((server.jobs / name / "job.json").read_text())
    assert record["status"] == "Stopped"
    assert "SIGTERM" in record["failure_reason"]
    assert not remove_jobs(server.jobs)


def test_a_killed_servers_job_and_gateway_are_cleared_when_the_server_restarts(tmp_path: Path) -> None:
    root = tmp_path / "serve"
    first = start_server(root)
    sagemaker = first.client("sagemaker")
    name = unique("killed")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": "byoc/base:latest", "ContainerEntrypoint": ["python3", "-c", SLEEPER]}))
    wait_status(sagemaker, name, {"InProgress"})
    gateway = {"label": f"{LABEL_OWNER}={owner(first.process.pid)}"}
    engine = docker.from_env()
    assert len(engine.networks.list(filters=gateway)) == 1, "the server made no gateway network"
    first.process.kill()
    first.process.wait(30)
    second = start_server(root)
    try:
        assert engine.networks.list(filters=gateway) == [], "the killed server's gateway network stayed"
        described = second.client("sagemaker").describe_processing_job(ProcessingJobName=name)
        assert described["ProcessingJobStatus"] == "Failed"
        assert described["FailureReason"]
        assert described["AppSpecification"]["ContainerEntrypoint"][-1] == SLEEPER
        assert not remove_jobs(second.jobs)
    finally:
        second.stop()
