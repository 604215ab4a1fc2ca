"""AWS calls from inside a local job, as on SageMaker: credentials only through the launcher's container
credentials endpoint (never as keys in the environment or in files), the endpoint override passed in.

moto listens on 169.254.170.2 (the address `make engine` puts on `lo`), so the launcher on the host and
boto3 in the containers reach it at the same URL.
"""

from __future__ import annotations

import datetime
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local import credentials
from launcher.local.cluster import LABEL_JOB
from tests.conftest import REGION
from tests.launcher.conftest import SCRIPTS, behave_job, run_local

SKLEARN_IMAGE = "byoc/sklearn:latest"
HOSTS = ("algo-1", "algo-2")


def _address_available(address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def endpoint_moto() -> Iterator[str]:
    """A moto server on 169.254.170.2, reachable from the host and from the job's containers alike."""
    if not _address_available(credentials.ENDPOINT_ADDRESS):
        pytest.fail(f"{credentials.ENDPOINT_ADDRESS} is not on this host's loopback: run `make engine` as root")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=credentials.ENDPOINT_ADDRESS, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The launcher's (fake) credentials: a secret no container or job file may ever contain."""
    secret = f"secret-{secrets.token_hex(16)}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALAUNCHERTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1,localhost,{credentials.ENDPOINT_ADDRESS}")
    return secret


@pytest.fixture
def bucket(endpoint_moto: str) -> str:
    name = f"bkt-{secrets.token_hex(4)}"
    admin(endpoint_moto).create_bucket(Bucket=name)
    return name


def admin(endpoint: str) -> Any:
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="admin", aws_secret_access_key="admin")


def aws_job(tmp_path: Path, bucket: str, *flags: str, instance_count: int = len(HOSTS), **fields: Any) -> JobDefinition:
    control = tmp_path / "control"
    control.mkdir(exist_ok=True)
    (control / "README").write_text("the test drops `release` into each host's copy of this channel\n")
    return JobDefinition(
        image_uri=SKLEARN_IMAGE, code=str(SCRIPTS / "aws_inside.py"), command=("python3",),
        arguments=(bucket, "inside/", *flags), instance_count=instance_count,
        inputs=(ProcessingInput(str(control), "/opt/ml/processing/input/control", "control"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),), **fields)


def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(condition: Any, what: str, job: Future[JobStatus], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if job.done():
            pytest.fail(f"the job ended before {what}: {job.result()}")
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.2)


def test_a_job_calls_s3_itself_with_credentials_served_only_by_the_endpoint(
    tmp_path: Path, jobs_dir: Path, endpoint_moto: str, bucket: str, secret_key: str
) -> None:
    job = aws_job(tmp_path, bucket, "--wait", job_name="aws-inside")
    workspace = jobs_dir / "aws-inside"
    reports = [workspace / f"hosts/{h}/ml/processing/output/out/{h}.json" for h in HOSTS]
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run_local, job, jobs_dir, endpoint_url=endpoint_moto)
        try:
            wait_for(lambda: all(r.exists() for r in reports), "both hosts put their object and wrote a report",
                     running)
            containers = docker.from_env().containers.list(filters={"label": f"{LABEL_JOB}=aws-inside"})
            assert len(containers) == len(HOSTS)
            envs = [dict(v.split("=", 1) for v in c.attrs["Config"]["Env"]) for c in containers]
            for container, env in zip(containers, envs, strict=True):
                assert secret_key not in json.dumps(container.attrs), f"{container.name} holds the secret key"
                assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & env.keys()
                assert env["AWS_ENDPOINT_URL"] == endpoint_moto
            url = envs[0]["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
            token = envs[0]["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
            assert url.startswith(f"http://{credentials.ENDPOINT_ADDRESS}:")
            assert get(url, {})[0] == 401
            assert get(url, {"Authorization": "not-the-token"})[0] == 403
            status, served = get(url, {"Authorization": token})
            assert (status, served["AccessKeyId"], served["SecretAccessKey"]) == (200, "AKIALAUNCHERTEST", secret_key)
            assert served["Token"] is None  # long-term keys have no session token
            expires_in = datetime.datetime.fromisoformat(served["Expiration"]) - datetime.datetime.now(datetime.UTC)
            assert datetime.timedelta(minutes=50) < expires_in <= credentials.MAX_LIFETIME
        finally:
            for host in HOSTS:
                (workspace / f"hosts/{host}/ml/processing/input/control/release").touch()
        record = running.result(timeout=120)

    assert record.status == "Completed", record.failure_reason
    s3 = admin(endpoint_moto)
    read = {h: s3.get_object(Bucket=bucket, Key=f"inside/{h}-read.txt")["Body"].read() for h in HOSTS}
    assert read == {"algo-1": b"written by algo-2", "algo-2": b"written by algo-1"}
    for host in HOSTS:
        report = json.loads((tmp_path / "out" / f"{host}.json").read_text())
        assert (report["method"], report["access_key_id"]) == ("container-role", "AKIALAUNCHERTEST")
        assert "AWS_SECRET_ACCESS_KEY" not in report["env"]
    with pytest.raises(ConnectionRefusedError), socket.create_connection(
            (credentials.ENDPOINT_ADDRESS, int(url.rsplit(":", 1)[1].split("/")[0])), timeout=5):
        pass  # the endpoint lived as long as the job, no longer
    leaked = [str(p) for p in workspace.rglob("*") if p.is_file() and secret_key.encode() in p.read_bytes()]
    assert not leaked, f"the secret key was written to {leaked}"


def test_without_launcher_credentials_the_job_fails_saying_so_in_its_log(
    tmp_path: Path, jobs_dir: Path, endpoint_moto: str, bucket: str
) -> None:
    job = aws_job(tmp_path, bucket, job_name="no-credentials", instance_count=1)
    record = run_local(job, jobs_dir, endpoint_url=endpoint_moto)
    assert record.status == "Failed"
    assert record.failure_reason is not None
    assert "the byoc launcher has no AWS credentials to give this job" in record.failure_reason
    log = (jobs_dir / "no-credentials/hosts/algo-1/log.txt").read_text()
    assert "CredentialRetrievalError: Error when retrieving credentials from container-role" in log
    assert "the byoc launcher has no AWS credentials to give this job" in log


def test_without_the_address_on_the_host_a_local_job_runs_with_one_notice(
    tmp_path: Path, jobs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(credentials, "ENDPOINT_ADDRESS", "192.0.2.1")  # TEST-NET-1: never an address here
    record = run_local(behave_job(tmp_path, "--write", "out"), jobs_dir)
    assert record.status == "Completed", record.failure_reason
    env = json.loads((tmp_path / "out" / "algo-1.json").read_text())["env"]
    assert credentials.FULL_URI_ENV not in env and credentials.TOKEN_ENV not in env
    lines = record.notices
    assert len(lines) == 1 and lines[0].startswith("AWS credentials endpoint off: cannot listen on 192.0.2.1")
    assert "`make engine` as root" in lines[0]
