"""The local backend runs jobs the way SageMaker does: hosts, sharding, outputs, failures, limits."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local import credentials
from launcher.local import record as records
from launcher.local.backend import LocalBackend
from launcher.local.cluster import LABEL_JOB, labels
from launcher.local.options import LocalOptions, Staging
from tests.launcher.conftest import BASE_IMAGE, behave_job, job_folder, local_files, run_local, touch_in_host


def inventory_job(tmp_path: Path, data: ProcessingInput, instance_count: int) -> JobDefinition:
    return JobDefinition(
        image_uri=BASE_IMAGE, arguments=("inventory", "--output", "out"), instance_count=instance_count,
        inputs=(data,), outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
    )


def reports(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("algo-*.json"))}


def test_one_instance_completes_and_uploads_its_output(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    data = local_files(tmp_path / "data", 3)
    record = run_local(inventory_job(tmp_path, data, 1), jobs_dir, staging=staging)
    assert record.status == "Completed", record.failure_reason
    assert [h.exit_code for h in record.hosts] == [0]
    report = reports(tmp_path / "out")["algo-1"]
    assert report["hostname"] == "algo-1" and report["hosts"] == ["algo-1"]
    assert sorted(report["channels"]["data"]) == ["part-0.csv", "part-1.csv", "part-2.csv"]
    assert report["argv"] == ["--output", "out"]
    saved = records.load(job_folder(record) / "job.json")
    assert saved.status == "Completed" and saved.end_time is not None


def test_sharded_by_s3_key_gives_each_local_file_to_exactly_one_of_4_hosts(tmp_path: Path, jobs_dir: Path,
                                                                           staging: Staging) -> None:
    data = local_files(tmp_path / "data", 8)
    sharded = ProcessingInput(data.source, data.destination, "data", s3_data_distribution_type="ShardedByS3Key")
    record = run_local(inventory_job(tmp_path, sharded, 4), jobs_dir, staging=staging)
    assert record.status == "Completed", record.failure_reason
    seen = reports(tmp_path / "out")
    assert sorted(seen) == ["algo-1", "algo-2", "algo-3", "algo-4"]
    counts = Counter(name for report in seen.values() for name in report["channels"]["data"])
    assert counts == Counter({f"part-{i}.csv": 1 for i in range(8)})
    # Round-robin over the sorted keys: algo-1 gets part-0 and part-4.
    assert sorted(seen["algo-1"]["channels"]["data"]) == ["part-0.csv", "part-4.csv"]
    assert {r["hostname"] for r in seen.values()} == set(seen)


def test_fully_replicated_gives_every_host_everything(tmp_path: Path, jobs_dir: Path) -> None:
    data = local_files(tmp_path / "data", 8)
    record = run_local(inventory_job(tmp_path, data, 3), jobs_dir)
    assert record.status == "Completed", record.failure_reason
    for report in reports(tmp_path / "out").values():
        assert len(report["channels"]["data"]) == 8


def test_hosts_resolve_each_other_by_name(tmp_path: Path, jobs_dir: Path) -> None:
    # Each host lingers after resolving: a container's name stops resolving once it has exited.
    linger = [arg for i in (1, 2, 3) for arg in ("--sleep-on", f"algo-{i}=5")]
    record = run_local(behave_job(tmp_path, "--resolve", *linger, "--write", "out", instance_count=3), jobs_dir)
    assert record.status == "Completed", record.failure_reason
    resolved = {host: r["resolved"] for host, r in reports(tmp_path / "out").items()}
    addresses = resolved["algo-1"]
    assert sorted(addresses) == ["algo-1", "algo-2", "algo-3"] and len(set(addresses.values())) == 3
    assert all(r == addresses for r in resolved.values())


@pytest.mark.parametrize("instance_count", [1, 2])
def test_only_a_multi_host_job_pays_for_a_network_and_every_host_resolves_its_own_name(
        tmp_path: Path, jobs_dir: Path, instance_count: int) -> None:
    since = int(time.time()) - 1
    linger = [arg for i in range(1, instance_count + 1) for arg in ("--sleep-on", f"algo-{i}=3")]  # while resolved
    status = run_local(behave_job(tmp_path, "--resolve", *linger, "--write", "out", instance_count=instance_count),
                       jobs_dir)
    assert status.status == "Completed", status.failure_reason
    resolved = {host: r["resolved"] for host, r in reports(tmp_path / "out").items()}
    assert all(host in addresses for host, addresses in resolved.items()) and len(resolved) == instance_count
    assert networks_made(status.job_name, since) == (0 if instance_count == 1 else 1)


def networks_made(job_name: str, since: int) -> int:
    """How many times the job's private network was created since `since` (the engine's events)."""
    events = docker.from_env().events(since=since, until=int(time.time()) + 1, decode=True,
                                      filters={"type": "network", "event": "create"})
    return len([e for e in events if e["Actor"]["Attributes"].get("name") == f"byoc-{job_name}"])


def test_one_failing_host_fails_the_job_and_stops_the_others(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    # algo-2 fails after 2 s, once the others are surely past start-up and handle SIGTERM.
    job = behave_job(tmp_path, "--fail-on", "algo-2", "--sleep-on", "algo-1=60", "--sleep-on", "algo-2=2",
                     "--sleep-on", "algo-3=60", "--write", "out", instance_count=3)
    started = time.monotonic()
    record = run_local(job, jobs_dir, staging=staging)
    assert time.monotonic() - started < 40, "the other hosts were not stopped"
    assert record.status == "Failed"
    assert record.failure_reason == ("AlgorithmError: InputError: channel 'data', file 'bad.csv' line 3: this host "
                                     "was told to fail, exit code: 4 (host algo-2)")
    codes = {h.name: h.exit_code for h in record.hosts}
    assert codes == {"algo-1": 143, "algo-2": 4, "algo-3": 143}
    assert record.exit_message is not None
    assert "[algo-2] InputError: channel 'data'" in record.exit_message
    assert "[algo-1] Stopped: received SIGTERM" in record.exit_message
    assert not (tmp_path / "out").exists(), "a failed job must not upload its outputs"


def test_when_wait_returns_nothing_labelled_with_the_job_is_left_in_the_engine(tmp_path: Path,
                                                                              jobs_dir: Path) -> None:
    """Whatever was made for the job, not only its hosts' containers and network: here a container made while
    the job runs, labelled as the folder probe and the stagers are (created, never started)."""
    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, stop_grace_seconds=10))
    name = backend.submit(behave_job(tmp_path, "--sleep-on", "algo-1=3", "--write", "out"))
    client = docker.from_env()
    extra = client.api.create_container(BASE_IMAGE, ["true"], labels=labels(name, folder=str(jobs_dir / name)))
    record = backend.wait(name)
    assert record.status == "Completed", record.failure_reason
    selector = {"label": f"{LABEL_JOB}={name}"}
    assert not client.containers.list(all=True, filters=selector), "a container of the job outlived its end"
    assert not client.networks.list(filters=selector), "the job's network outlived its end"
    assert extra["Id"] not in {c.id for c in client.containers.list(all=True)}
    assert not [n for n in record.notices if "left in the engine" in n], record.notices


def test_a_slow_host_keeps_the_job_running_until_it_exits(tmp_path: Path, jobs_dir: Path) -> None:
    job = behave_job(tmp_path, "--sleep-on", "algo-2=4", "--write", "out", instance_count=2)
    record = run_local(job, jobs_dir)
    assert record.status == "Completed", record.failure_reason
    assert sorted(reports(tmp_path / "out")) == ["algo-1", "algo-2"]
    algo1, algo2 = record.hosts
    assert algo1.phases["running"][1] < algo2.phases["running"][1]


def test_max_runtime_sends_sigterm_and_stops_the_job(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    job = behave_job(tmp_path, "--sleep-on", "algo-1=120", "--sleep-on", "algo-2=120", "--write", "out",
                     instance_count=2, max_runtime_in_seconds=3)
    started = time.monotonic()
    record = run_local(job, jobs_dir, staging=staging)
    assert time.monotonic() - started < 30
    assert record.status == "Stopped"
    assert record.failure_reason == ("MaxRuntimeExceeded: the job ran longer than MaxRuntimeInSeconds=3; every host "
                                     "got SIGTERM")
    assert [h.exit_code for h in record.hosts] == [143, 143]  # the job's own SIGTERM handler ran
    assert record.exit_message is not None and "[algo-1] Stopped: received SIGTERM" in record.exit_message


def test_continuous_output_is_uploaded_while_the_job_runs(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    control = tmp_path / "control"
    control.mkdir()
    (control / "README").write_text("the test drops `release` into each host's copy of this channel\n")
    out = tmp_path / "out"
    name = f"continuous-{uuid.uuid4().hex[:8]}"  # unique: another session may run this test on the same engine
    job = behave_job(
        tmp_path, "--continuous-then-wait", "out", instance_count=2, job_name=name,
        inputs=(ProcessingInput(str(control), "/opt/ml/processing/input/control", "control"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(out), "out", s3_upload_mode="Continuous"),),
    )
    result: list[JobStatus] = []
    runner = threading.Thread(target=lambda: result.append(run_local(job, jobs_dir, continuous_interval_seconds=0.3,
                                                                     staging=staging)))
    runner.start()
    deadline = time.monotonic() + 90
    while not ((out / "part-1-algo-1.txt").exists() and (out / "part-1-algo-2.txt").exists()):
        assert time.monotonic() < deadline, "Continuous output did not appear while the job ran"
        time.sleep(0.2)
    assert records.load(jobs_dir / name / "job.json").status == "InProgress"
    assert not (out / "part-2-algo-1.txt").exists()
    for host in ("algo-1", "algo-2"):
        touch_in_host(jobs_dir, name, host, "/opt/ml/processing/input/control/release", staging)
    runner.join(90)
    assert result and result[0].status == "Completed", result
    assert sorted(p.name for p in out.iterdir()) == ["part-1-algo-1.txt", "part-1-algo-2.txt", "part-2-algo-1.txt",
                                                     "part-2-algo-2.txt"]


def test_two_hosts_writing_one_name_differently_fail_instead_of_overwriting(tmp_path: Path, jobs_dir: Path,
                                                                           staging: Staging) -> None:
    job = behave_job(tmp_path, "--write", "out", "--same-name", instance_count=2)
    record = run_local(job, jobs_dir, staging=staging)
    assert record.status == "Failed"
    assert record.failure_reason is not None
    assert "output 'out': algo-1 and algo-2 both wrote 'result.json' with different contents" in record.failure_reason
    assert not (tmp_path / "out").exists()


def test_containers_get_the_region_but_never_the_hosts_credentials(
    tmp_path: Path, jobs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
    record = run_local(behave_job(tmp_path, "--write", "out"), jobs_dir, region="eu-west-1")
    assert record.status == "Completed", record.failure_reason
    env = reports(tmp_path / "out")["algo-1"]["env"]
    endpoint = {credentials.FULL_URI_ENV, credentials.TOKEN_ENV}  # credentials come only from the endpoint
    assert {k: v for k, v in env.items() if k not in endpoint} == {"AWS_REGION": "eu-west-1",
                                                                    "AWS_DEFAULT_REGION": "eu-west-1"}
    assert "host-secret" not in json.dumps(env) and "AKIAHOSTKEY" not in json.dumps(env)
    workspace_text = "".join(p.read_text(errors="ignore") for p in job_folder(record).rglob("*") if p.is_file())
    assert "host-secret" not in workspace_text


def test_a_missing_image_fails_the_job_naming_it(tmp_path: Path, jobs_dir: Path) -> None:
    job = JobDefinition(image_uri="byoc/no-such-image:latest", arguments=("inventory",))
    record = run_local(job, jobs_dir)
    assert record.status == "Failed"
    assert record.failure_reason == ("ClientError: image_uri 'byoc/no-such-image:latest' is not in the local Docker "
                                     "engine: build it (`make build`) or `docker pull` it")


def test_a_missing_local_input_fails_the_job_naming_it(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    missing = ProcessingInput(str(tmp_path / "nope"), "/opt/ml/processing/input/data", "data")
    record = run_local(inventory_job(tmp_path, missing, 1), jobs_dir, staging=staging)
    assert record.status == "Failed"
    assert record.failure_reason is not None and str(tmp_path / "nope") in record.failure_reason
    assert record.failure_reason.startswith("ClientError: ")
