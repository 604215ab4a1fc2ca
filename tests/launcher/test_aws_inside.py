"""AWS calls from inside a local job, as on SageMaker: credentials only through a container credentials endpoint
(each host's sidecar, on the host's own loopback), never as keys in the environment or in files; and without
launcher credentials, a job runs as under a plain `docker run`. The endpoint override is passed in.

moto listens on the gateway of a network of the tests' own (tests/engines.py), so the launcher on the host
and boto3 in the containers reach it at one URL, with nothing changed on the host.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, NetworkConfig, ProcessingInput, ProcessingOutput
from launcher.local import credentials
from launcher.local.cluster import LABEL_HOST, LABEL_JOB, LABEL_SIDECAR
from launcher.local.options import Staging
from tests.conftest import REGION
from tests.launcher.conftest import SCRIPTS, behave_job, byoc, job_folder, run_local, unsized

SKLEARN_IMAGE = "byoc/sklearn:latest"
HOSTS = ("algo-1", "algo-2")
NO_CREDENTIALS = "this job gets no AWS credentials"
FETCH = """
import json, sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
headers = {"Authorization": sys.argv[2]} if len(sys.argv) > 2 else {}
try:
    with opener.open(urllib.request.Request(sys.argv[1], headers=headers), timeout=5) as answer:
        print(json.dumps([answer.status, json.load(answer)]))
except urllib.error.HTTPError as error:
    print(json.dumps([error.code, json.load(error)]))
"""
NETWORK = """
import json, os, socket
print(json.dumps({"interfaces": sorted(os.listdir("/sys/class/net")), "hostname": socket.gethostname(),
                  "own_address": socket.gethostbyname(socket.gethostname())}))
"""


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The launcher's (fake) credentials: a secret no container or job file may ever contain."""
    secret = f"secret-{secrets.token_hex(16)}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALAUNCHERTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    return secret


@pytest.fixture
def bucket(container_moto: str) -> str:
    name = f"bkt-{secrets.token_hex(4)}"
    admin(container_moto).create_bucket(Bucket=name)
    return name


def admin(endpoint: str) -> Any:
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="admin", aws_secret_access_key="admin")


def aws_job(tmp_path: Path, bucket: str, *flags: str, instance_count: int = len(HOSTS), **fields: Any) -> JobDefinition:
    control = tmp_path / "control"
    control.mkdir(parents=True, exist_ok=True)
    (control / "README").write_text("the test drops `release` into each host's copy of this channel\n")
    return JobDefinition(
        image_uri=SKLEARN_IMAGE, code=str(SCRIPTS / "aws_inside.py"), command=("python3",),
        arguments=(bucket, "inside/", *flags), instance_count=instance_count,
        inputs=(ProcessingInput(str(control), "/opt/ml/processing/input/control", "control"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),), **fields)


def seed_job(*flags: str, **fields: Any) -> JobDefinition:
    return JobDefinition(image_uri=SKLEARN_IMAGE, code=str(SCRIPTS / "seed.py"), command=("python3",),
                         arguments=flags, **fields)


def inside(container: Any, script: str, *args: str) -> Any:
    """Run a Python snippet in a running container; what it printed, as JSON."""
    code, output = container.exec_run(["python3", "-c", script, *args])
    assert code == 0, output.decode()
    return json.loads(output)


def wait_for(condition: Any, what: str, job: Future[JobStatus], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if job.done():
            pytest.fail(f"the job ended before {what}: {job.result()}")
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.2)


@pytest.fixture
def quick_renewal(monkeypatch: pytest.MonkeyPatch) -> float:
    """Leases renewed every 0.5 s and good for 2 s unrenewed: a job that outlives 2 s proves the renewal."""
    monkeypatch.setattr(credentials, "RENEW_SECONDS", 0.5)
    monkeypatch.setattr(credentials, "LEASE_TTL_SECONDS", 2.0)
    return 2.0


def test_a_job_calls_s3_itself_with_credentials_served_only_by_its_sidecars(
    tmp_path: Path, jobs_dir: Path, container_moto: str, bucket: str, secret_key: str, quick_renewal: float
) -> None:
    job = aws_job(tmp_path, bucket, "--wait", job_name="aws-inside")
    workspace = jobs_dir / "aws-inside"
    reports = [workspace / f"hosts/{h}/ml/processing/output/out/{h}.json" for h in HOSTS]
    client = docker.from_env()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run_local, job, jobs_dir, endpoint_url=container_moto)
        try:
            wait_for(lambda: all(r.exists() for r in reports), "both hosts put their object and wrote a report",
                     running)
            hosts = {c.labels[LABEL_HOST]: c for c in
                     client.containers.list(filters={"label": [f"{LABEL_JOB}=aws-inside", LABEL_HOST]})}
            sidecars = {c.labels[LABEL_SIDECAR]: c for c in
                        client.containers.list(filters={"label": [f"{LABEL_JOB}=aws-inside", LABEL_SIDECAR]})}
            assert sorted(hosts) == sorted(sidecars) == list(HOSTS)
            for container in [*hosts.values(), *sidecars.values()]:
                assert secret_key not in json.dumps(container.attrs), f"{container.name} holds the secret key"
            for host, container in hosts.items():
                env = dict(v.split("=", 1) for v in container.attrs["Config"]["Env"])
                assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & env.keys()
                assert env["AWS_ENDPOINT_URL"] == container_moto
                assert env[credentials.FULL_URI_ENV] == "http://127.0.0.1:51679/credentials"
                # One interface, and the host's own name resolves to its address on the job's network (the
                # sidecar's): credentials change nothing about how hosts find each other.
                network = inside(container, NETWORK)
                addresses = [n["IPAddress"] for n in sidecars[host].attrs["NetworkSettings"]["Networks"].values()]
                assert network == {"interfaces": ["eth0", "lo"], "hostname": host, "own_address": addresses[0]}
                changed = [c["Path"] for c in container.diff() or []]
                code, found = container.exec_run(["grep", "-rlsF", secret_key, "/opt/ml", *changed])
                assert code == 1 and not found, f"{host} can read the secret key in {found.decode()}"
            algo1 = hosts["algo-1"]
            token = dict(v.split("=", 1) for v in algo1.attrs["Config"]["Env"])[credentials.TOKEN_ENV]
            url = credentials.ENDPOINT_URL
            assert inside(algo1, FETCH, url)[0] == 401
            assert inside(algo1, FETCH, url, "not-the-token")[0] == 403
            time.sleep(quick_renewal + 1)  # longer than an unrenewed lease lasts: it was renewed meanwhile
            status, served = inside(algo1, FETCH, url, token)
            assert (status, served["AccessKeyId"], served["SecretAccessKey"]) == (200, "AKIALAUNCHERTEST", secret_key)
            assert served["Token"] is None  # long-term keys have no session token
            expires_in = datetime.datetime.fromisoformat(served["Expiration"]) - datetime.datetime.now(datetime.UTC)
            assert datetime.timedelta(minutes=50) < expires_in <= credentials.MAX_LIFETIME
        finally:
            for host in HOSTS:
                (workspace / f"hosts/{host}/ml/processing/input/control/release").touch()
        record = running.result(timeout=120)

    assert record.status == "Completed", record.failure_reason
    assert unsized(record.notices) == []
    s3 = admin(container_moto)
    read = {h: s3.get_object(Bucket=bucket, Key=f"inside/{h}-read.txt")["Body"].read() for h in HOSTS}
    assert read == {"algo-1": b"written by algo-2", "algo-2": b"written by algo-1"}
    for host in HOSTS:
        report = json.loads((tmp_path / "out" / f"{host}.json").read_text())
        assert (report["method"], report["access_key_id"]) == ("container-role", "AKIALAUNCHERTEST")
        assert "AWS_SECRET_ACCESS_KEY" not in report["env"]
    # The endpoint lived as long as the job: its sidecars went with it.
    assert not client.containers.list(all=True, filters={"label": f"{LABEL_JOB}=aws-inside"})
    leaked = [str(p) for p in workspace.rglob("*") if p.is_file() and secret_key.encode() in p.read_bytes()]
    assert not leaked, f"the secret key was written to {leaked}"


def test_a_one_host_job_with_credentials_makes_no_network_and_its_name_is_its_own(
    tmp_path: Path, jobs_dir: Path, container_moto: str, bucket: str, secret_key: str
) -> None:
    """Its sidecar is on the engine's default bridge under the host's name; the host's container shares the
    sidecar's namespace and hosts file, so `algo-1` is the host itself there, as on a network of the job's own."""
    since = int(time.time()) - 1
    job = aws_job(tmp_path, bucket, "--wait", job_name="aws-one-host", instance_count=1)
    workspace = jobs_dir / "aws-one-host"
    report = workspace / "hosts/algo-1/ml/processing/output/out/algo-1.json"
    client = docker.from_env()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run_local, job, jobs_dir, endpoint_url=container_moto)
        try:
            wait_for(report.exists, "the host put its object and wrote a report", running)
            [host] = client.containers.list(filters={"label": [f"{LABEL_JOB}=aws-one-host", LABEL_HOST]})
            [sidecar] = client.containers.list(filters={"label": [f"{LABEL_JOB}=aws-one-host", LABEL_SIDECAR]})
            assert host.attrs["HostConfig"]["NetworkMode"] == f"container:{sidecar.id}"
            assert list(sidecar.attrs["NetworkSettings"]["Networks"]) == ["bridge"]
            address = sidecar.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
            code, hosts_file = host.exec_run(["cat", "/etc/hosts"])
            assert code == 0
            named = {name: line.split()[0] for line in hosts_file.decode().splitlines()
                     if line.strip() and not line.startswith("#") for name in line.split()[1:]}
            assert named["algo-1"] == address, hosts_file.decode()
            assert inside(host, NETWORK) == {"interfaces": ["eth0", "lo"], "hostname": "algo-1", "own_address": address}
        finally:
            (workspace / "hosts/algo-1/ml/processing/input/control/release").touch()
        record = running.result(timeout=120)

    assert record.status == "Completed", record.failure_reason
    assert json.loads((tmp_path / "out" / "algo-1.json").read_text())["method"] == "container-role"
    events = client.events(since=since, until=int(time.time()) + 1, decode=True,
                           filters={"type": "network", "event": "create"})
    assert not [e for e in events if e["Actor"]["Attributes"].get("name") == f"byoc-{record.job_name}"]
    assert not client.containers.list(all=True, filters={"label": f"{LABEL_JOB}=aws-one-host"})


def test_concurrent_jobs_each_get_credentials_of_their_own(
    tmp_path: Path, jobs_dir: Path, container_moto: str, bucket: str, secret_key: str, staging: Staging
) -> None:
    """With either staging: sidecars get their leases through the engine's API, whatever holds /opt/ml."""
    jobs = [aws_job(tmp_path / name, bucket, job_name=name, instance_count=1) for name in ("first", "second")]
    with ThreadPoolExecutor(2) as pool:
        records = list(pool.map(lambda job: run_local(job, jobs_dir, endpoint_url=container_moto, staging=staging),
                                jobs))
    assert [r.status for r in records] == ["Completed", "Completed"], [r.failure_reason for r in records]
    reports = [json.loads((tmp_path / name / "out" / "algo-1.json").read_text()) for name in ("first", "second")]
    assert [r["method"] for r in reports] == ["container-role", "container-role"]
    assert reports[0]["token_sha256"] != reports[1]["token_sha256"]


def test_without_launcher_credentials_a_boto3_client_is_created_as_under_docker_run(tmp_path: Path) -> None:
    job_file = tmp_path / "seed.yaml"
    job_file.write_text(f"job_name: seed\nimage_uri: {SKLEARN_IMAGE}\ncommand: [python3]\n"
                        f"code: {SCRIPTS / 'seed.py'}\n")
    result = byoc("run", str(job_file), env={"BYOC_JOBS_DIR": str(tmp_path / "jobs")})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    notices = [i for i, line in enumerate(lines) if NO_CREDENTIALS in line]
    created = [i for i, line in enumerate(lines) if "created an S3 client" in line]
    assert len(notices) == 1 and len(created) == 1 and notices[0] < created[0], result.stderr
    assert "AWS_PROFILE" in lines[notices[0]] and "aws configure" in lines[notices[0]]
    assert "AWS variables: ['AWS_DEFAULT_REGION', 'AWS_REGION']" in result.stderr


def test_without_launcher_credentials_an_aws_call_raises_no_credentials_error(tmp_path: Path, jobs_dir: Path) -> None:
    record = run_local(seed_job("--call", job_name="seed-call"), jobs_dir)
    assert record.status == "Failed"
    assert record.failure_reason == ("AlgorithmError: InternalError: NoCredentialsError: Unable to locate credentials "
                                     "(traceback in the job's log), exit code: 1 (host algo-1)")
    notices = unsized(record.notices)
    assert len(notices) == 1 and notices[0].startswith(NO_CREDENTIALS)
    log = (job_folder(record) / "hosts/algo-1/log.txt").read_text()
    assert "created an S3 client" in log and "listed the buckets" not in log
    assert "botocore.exceptions.NoCredentialsError: Unable to locate credentials" in log


def test_credentials_the_launcher_cannot_get_leave_the_job_without_them_saying_why(
    tmp_path: Path, jobs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    record = run_local(behave_job(tmp_path, "--write", "out"), jobs_dir)
    assert record.status == "Completed", record.failure_reason
    env = json.loads((tmp_path / "out" / "algo-1.json").read_text())["env"]
    assert credentials.FULL_URI_ENV not in env and credentials.TOKEN_ENV not in env
    notices = unsized(record.notices)
    assert len(notices) == 1
    assert notices[0].startswith(f"{NO_CREDENTIALS}: the launcher could not get its AWS credentials (The "
                                        "config profile (no-such-profile) could not be found)")


def test_without_the_sidecar_image_the_job_runs_without_credentials_saying_why(
    tmp_path: Path, jobs_dir: Path, secret_key: str
) -> None:
    record = run_local(behave_job(tmp_path, "--write", "out"), jobs_dir, credentials_image="byoc/no-such-image:latest")
    assert record.status == "Completed", record.failure_reason
    env = json.loads((tmp_path / "out" / "algo-1.json").read_text())["env"]
    assert credentials.FULL_URI_ENV not in env and credentials.TOKEN_ENV not in env
    notices = unsized(record.notices)
    assert len(notices) == 1
    assert notices[0].startswith(f"{NO_CREDENTIALS}: the image 'byoc/no-such-image:latest' is not in this "
                                        "engine (`make build` builds the kit's images)")


def test_a_job_with_network_isolation_gets_no_credentials(tmp_path: Path, jobs_dir: Path, secret_key: str) -> None:
    job = behave_job(tmp_path, "--write", "out", network_config=NetworkConfig(enable_network_isolation=True))
    record = run_local(job, jobs_dir)
    assert record.status == "Completed", record.failure_reason
    env = json.loads((tmp_path / "out" / "algo-1.json").read_text())["env"]
    assert credentials.FULL_URI_ENV not in env and credentials.TOKEN_ENV not in env
    assert [n for n in record.notices if "credentials" in n] == [credentials.ISOLATED]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The moto server is this machine's: never through a proxy."""
    monkeypatch.setenv("NO_PROXY", "*")
    yield
