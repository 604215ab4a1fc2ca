"""`byoc serve` tests: a real server process (one per session), real boto3 clients signing with its keys,
real containers on the real engine for the jobs it runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import docker
import pytest
from botocore.config import Config

from launcher.local.cluster import LABEL_JOB
from launcher.local.gateway import LABEL_GATEWAY

REPO = Path(__file__).resolve().parents[2]
SERVE = [sys.executable, "-m", "launcher.cli", "serve"]  # `byoc serve`, as --detach runs it
REGION = "us-east-1"
BASE_IMAGE = "byoc/base:latest"
LOG_GROUP = "/aws/sagemaker/ProcessingJobs"


@dataclass
class Server:
    """A running `byoc serve`: its URL (and the one its jobs use for its S3), state and jobs folders, its keys."""

    process: subprocess.Popen[bytes]
    url: str
    jobs_s3_url: str
    state: Path
    jobs: Path
    log: Path
    access_key_id: str
    secret_access_key: str

    def client(self, service: str, **config: Any) -> Any:
        return boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key, config=Config(**config) if config else None)

    def stop(self) -> int:
        """SIGTERM: the server stops its running jobs (grace period included) before it exits."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(300)


def server_environment(home: Path) -> dict[str, str]:
    """The server's environment: none of the developer's AWS settings, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEMAKER_", "BYOC_"))}
    empty = home / "empty-aws-config"
    empty.write_text("")
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
               AWS_EC2_METADATA_DISABLED="true", PYTHONUNBUFFERED="1")
    return env


def start_server(root: Path, *args: str, extra_env: dict[str, str] | None = None) -> Server:
    state, jobs = root / "state", root / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    log = root / "serve.log"
    (state / "server.json").unlink(missing_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*SERVE, "--port", "0", "--state-dir", str(state), "--jobs-dir", str(jobs),
             *args], cwd=REPO, env={**server_environment(root), **(extra_env or {})}, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while not (state / "server.json").exists():
        if process.poll() is not None:
            raise AssertionError(f"byoc serve exited with {process.returncode}:\n{log.read_text()}")
        assert time.monotonic() < deadline, f"byoc serve did not start:\n{log.read_text()}"
        time.sleep(0.05)
    started = json.loads((state / "server.json").read_text())
    keys = json.loads((state / "credentials.json").read_text())
    return Server(process, started["url"], started["jobs_s3_url"], state, jobs, log, keys["AccessKeyId"],
                  keys["SecretAccessKey"])


def gateway_networks(address: str) -> list[str]:
    """The engine's networks made for `byoc serve` whose gateway is `address` (launcher/local/gateway.py)."""
    found = []
    for network in docker.from_env().networks.list(filters={"label": f"{LABEL_GATEWAY}=serve"}):
        network.reload()
        if any(str(c.get("Gateway", "")).split("/")[0] == address for c in network.attrs["IPAM"]["Config"] or []):
            found.append(network.name)
    return found


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    inside = urlsplit(running.jobs_s3_url).hostname
    assert inside is not None and inside != "127.0.0.1", f"job containers cannot reach byoc serve:\n{running.log}"
    assert gateway_networks(inside), f"no network of byoc serve has the gateway {inside}"
    yield running
    running.stop()
    assert not gateway_networks(inside), "byoc serve left its gateway network behind"
    left = remove_jobs(running.jobs)
    assert not left, f"jobs of byoc serve left containers or networks behind: {left}"


def remove_jobs(jobs: Path) -> list[str]:
    """Remove what the server's jobs left behind (containers, networks) and name it: ended jobs leave nothing."""
    client = docker.from_env()
    left = []
    for job in sorted(p.name for p in jobs.iterdir()) if jobs.exists() else ():
        selector = {"label": f"{LABEL_JOB}={job}"}
        for container in client.containers.list(all=True, filters=selector):
            left.append(f"container {container.name}")
            container.remove(force=True)
        for network in client.networks.list(filters=selector):
            left.append(f"network {network.name}")
            network.remove()
    return left


@pytest.fixture
def sagemaker(server: Server) -> Any:
    return server.client("sagemaker")


@pytest.fixture
def logs(server: Server) -> Any:
    return server.client("logs")


def job_request(name: str, **changes: Any) -> dict[str, Any]:
    """A CreateProcessingJob request on the base image; `changes` replace top-level members."""
    request: dict[str, Any] = {
        "ProcessingJobName": name,
        "RoleArn": "arn:aws:iam::000000000000:role/SageMakerProcessing",
        "AppSpecification": {"ImageUri": BASE_IMAGE, "ContainerEntrypoint": ["python3", "-c", "print('hi')"]},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 5}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    request.update(changes)
    return request


def wait_status(client: Any, name: str, statuses: set[str], seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        described: dict[str, Any] = client.describe_processing_job(ProcessingJobName=name)
        if described["ProcessingJobStatus"] in statuses:
            return described
        assert time.monotonic() < deadline, f"{name} still {described['ProcessingJobStatus']} after {seconds} s"
        time.sleep(0.2)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.time_ns() % 10**12}"
