"""The local backend's main cases on Podman's Docker-compatible API, with real containers of the kit's images."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from launcher.backend import JobStatus
from launcher.definition import ProcessingInput
from launcher.local import credentials
from launcher.local.backend import LocalBackend
from launcher.local.options import LocalOptions, Staging
from tests.launcher.conftest import SCRIPTS, behave_job, local_files, run_local, unsized
from tests.launcher.test_aws_inside import admin, aws_job
from tests.launcher.test_local_backend import inventory_job, reports


def test_two_hosts_share_a_sharded_input_and_upload_their_outputs(tmp_path: Path, jobs_dir: Path,
                                                                  staging: Staging) -> None:
    data = local_files(tmp_path / "data", 4)
    sharded = ProcessingInput(data.source, data.destination, "data", s3_data_distribution_type="ShardedByS3Key")
    record = run_local(inventory_job(tmp_path, sharded, 2), jobs_dir, staging=staging)
    assert record.status == "Completed", record.failure_reason
    seen = reports(tmp_path / "out")
    assert sorted(seen) == ["algo-1", "algo-2"]
    assert sorted(seen["algo-1"]["channels"]["data"]) == ["part-0.csv", "part-2.csv"]
    counts = Counter(name for report in seen.values() for name in report["channels"]["data"])
    assert counts == Counter({f"part-{i}.csv": 1 for i in range(4)})
    assert {r["hostname"]: r["hosts"] for r in seen.values()} == {h: ["algo-1", "algo-2"] for h in seen}


def test_a_failing_host_fails_the_job_and_stops_the_other(tmp_path: Path, jobs_dir: Path) -> None:
    job = behave_job(tmp_path, "--fail-on", "algo-2", "--sleep-on", "algo-1=60", "--sleep-on", "algo-2=2",
                     instance_count=2)
    record = run_local(job, jobs_dir)
    assert record.status == "Failed"
    assert record.failure_reason == ("AlgorithmError: InputError: channel 'data', file 'bad.csv' line 3: this host "
                                     "was told to fail, exit code: 4 (host algo-2)")
    assert {h.name: h.exit_code for h in record.hosts} == {"algo-1": 143, "algo-2": 4}
    assert not (tmp_path / "out").exists()


def test_a_stop_request_stops_every_host(tmp_path: Path, jobs_dir: Path) -> None:
    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, stop_grace_seconds=10))
    name = backend.submit(behave_job(tmp_path, "--sleep-on", "algo-1=120", "--sleep-on", "algo-2=120",
                                     instance_count=2, job_name="stopped-on-podman"))
    deadline = time.monotonic() + 120
    while not all(h.exit_code is None and "running" in h.phases for h in backend.describe(name).hosts):
        assert time.monotonic() < deadline, backend.describe(name)
        time.sleep(0.2)
    time.sleep(2)  # past the hosts' start-up: their SIGTERM handler is installed
    backend.stop(name)
    record = backend.wait(name)
    assert record.status == "Stopped"
    assert record.failure_reason == "Stopped: StopProcessingJob was requested"
    assert [h.exit_code for h in record.hosts] == [143, 143]


def test_hosts_with_credentials_call_s3_through_their_sidecars(
    tmp_path: Path, jobs_dir: Path, podman_moto: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAPODMANTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "podman-secret")
    admin(podman_moto).create_bucket(Bucket="podman")
    results: list[JobStatus] = []
    resolving = threading.Thread(target=lambda: results.append(run_local(
        behave_job(tmp_path / "resolve", "--resolve", "--write", "out", instance_count=2), jobs_dir)))
    resolving.start()  # meanwhile: the same credentials, another job
    calling = run_local(aws_job(tmp_path, "podman"), jobs_dir, endpoint_url=podman_moto)
    resolving.join(180)
    assert calling.status == "Completed", calling.failure_reason
    for host in ("algo-1", "algo-2"):
        report = json.loads((tmp_path / "out" / f"{host}.json").read_text())
        assert (report["method"], report["access_key_id"]) == ("container-role", "AKIAPODMANTEST")
        assert admin(podman_moto).get_object(Bucket="podman", Key=f"inside/{host}.txt")["Body"].read() == (
            f"written by {host}".encode())
    # Each host's own name resolves to the address its peer resolves it to: joining the sidecar's network
    # namespace left the host one address.
    assert results and results[0].status == "Completed", results
    resolved = {host: report["resolved"] for host, report in reports(tmp_path / "resolve" / "out").items()}
    assert resolved["algo-1"] == resolved["algo-2"] and len(set(resolved["algo-1"].values())) == 2
    env: dict[str, Any] = reports(tmp_path / "resolve" / "out")["algo-1"]["env"]
    assert env[credentials.FULL_URI_ENV] == credentials.ENDPOINT_URL


def test_without_credentials_a_seed_script_runs_and_is_told_so(jobs_dir: Path) -> None:
    from launcher.definition import JobDefinition

    job = JobDefinition(image_uri="byoc/sklearn:latest", code=str(SCRIPTS / "seed.py"), command=("python3",))
    record = run_local(job, jobs_dir)
    assert record.status == "Completed", record.failure_reason
    notices = unsized(record.notices)
    assert len(notices) == 1 and notices[0].startswith("this job gets no AWS credentials")
