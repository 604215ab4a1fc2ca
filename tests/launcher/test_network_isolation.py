"""Network isolation locally: the hosts reach each other and nothing else, as on SageMaker.

(The internet is not tried, as no test leaves this machine: an isolated host's default gateway, the way
to it, does not answer, where an open host's does.)

The same job (scripts/reach_s3.py: resolve and connect to every other host, then put an object in S3)
runs with and without `enable_network_isolation`, against a moto server on an address of this machine
that containers reach (tests/conftest.py's container_moto, on a network gateway of the engine's):
without isolation it puts its objects; isolated, boto3 cannot reach the endpoint and the job fails as
it would on SageMaker, while its hosts still reached each other.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from launcher.definition import JobDefinition, NetworkConfig, ProcessingOutput
from launcher.local import credentials
from tests.conftest import REGION
from tests.launcher.conftest import SCRIPTS, job_folder, run_local

SKLEARN_IMAGE = "byoc/sklearn:latest"  # has boto3
HOSTS = ("algo-1", "algo-2")


@pytest.fixture
def bucket(container_moto: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NO_PROXY", "*")  # the moto server is this machine's: never through a proxy
    name = f"bkt-{secrets.token_hex(4)}"
    s3(container_moto).create_bucket(Bucket=name)
    return name


def s3(endpoint: str) -> Any:
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="admin", aws_secret_access_key="admin")


def reach_job(tmp_path: Path, bucket: str, name: str, isolated: bool) -> JobDefinition:
    # Keys in the job's own environment: this is about the network, not the credentials endpoint.
    # One attempt: boto3's retries would only repeat the same refusal.
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_MAX_ATTEMPTS": "1"}
    return JobDefinition(
        image_uri=SKLEARN_IMAGE, code=str(SCRIPTS / "reach_s3.py"), command=("python3",), arguments=(bucket,),
        instance_count=len(HOSTS), instance_type="ml.t3.medium", job_name=name, env=env,
        network_config=NetworkConfig(enable_network_isolation=isolated),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / name), "out"),))


def test_an_isolated_job_cannot_reach_s3_and_the_same_job_without_isolation_can(
    tmp_path: Path, jobs_dir: Path, container_moto: str, bucket: str
) -> None:
    opened = run_local(reach_job(tmp_path, bucket, "open", isolated=False), jobs_dir, endpoint_url=container_moto)
    assert opened.status == "Completed", opened.failure_reason
    keys = [o["Key"] for o in s3(container_moto).list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["algo-1.txt", "algo-2.txt"]
    assert not any(n.startswith("network isolation") for n in opened.notices)
    assert json.loads((tmp_path / "open/algo-1.json").read_text())["gateway"] == "answers"

    isolated = run_local(reach_job(tmp_path, bucket, "isolated", isolated=True), jobs_dir,
                         endpoint_url=container_moto)
    assert isolated.status == "Failed"
    assert isolated.failure_reason is not None
    assert isolated.failure_reason.startswith("AlgorithmError: ")
    assert f'Could not connect to the endpoint URL: "{container_moto}/{bucket}/algo-' in isolated.failure_reason
    assert [o["Key"] for o in s3(container_moto).list_objects_v2(Bucket=bucket)["Contents"]] == keys
    assert "network isolation: the hosts reach each other and nothing else (no internet, no S3), as on " \
           "SageMaker" in isolated.notices
    folder = job_folder(isolated)
    for host in HOSTS:  # before it tried S3, each host resolved and reached the other; it had no credentials endpoint
        report = json.loads((folder / f"hosts/{host}/ml/processing/output/out/{host}.json").read_text())
        assert sorted(report["resolved"]) == list(HOSTS)
        assert report["reached"] == [h for h in HOSTS if h != host]
        assert report["gateway"] in ("none", "silent")  # no way past the job's network: no internet either
        assert credentials.FULL_URI_ENV not in report["env"] and credentials.TOKEN_ENV not in report["env"]


def test_an_isolated_one_host_job_is_isolated_too(tmp_path: Path, jobs_dir: Path, container_moto: str,
                                                  bucket: str) -> None:
    """A 1-host job needs no network of its own to resolve its name, and runs on the engine's default bridge,
    which routes out; an isolated one still gets the job's internal network."""
    job = replace(reach_job(tmp_path, bucket, "isolated-alone", isolated=True), instance_count=1)
    record = run_local(job, jobs_dir, endpoint_url=container_moto)
    assert record.status == "Failed"
    assert record.failure_reason is not None
    assert f'Could not connect to the endpoint URL: "{container_moto}/{bucket}/algo-1.txt"' in record.failure_reason
    assert "Contents" not in s3(container_moto).list_objects_v2(Bucket=bucket)
    report = json.loads((job_folder(record) / "hosts/algo-1/ml/processing/output/out/algo-1.json").read_text())
    assert list(report["resolved"]) == ["algo-1"]
    assert report["gateway"] in ("none", "silent")
