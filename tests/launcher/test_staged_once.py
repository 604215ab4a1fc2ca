"""Inputs staged once (launcher/local/layers.py): an object every host gets is stored once, a local file is not
copied, and each host's view stays its own: what one host changes or deletes, no other host and no original sees.
Layers can be turned off (byoc check), and a host kept by --keep keeps its overlay volume."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import boto3
import docker

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.cluster import LABEL_HOST, LABEL_JOB, sweep
from launcher.local.layers import MIN_SAVED_BYTES
from launcher.local.options import Keep
from tests.launcher.conftest import BASE_IMAGE, SCRIPTS, job_folder, run_local

ORIGINAL = {"a.csv": "id,value\n1,1\n", "b.csv": "id,value\n2,4\n", "c.csv": "id,value\n3,9\n",
            "big.csv": "id,value\n" + "4,16\n" * (MIN_SAVED_BYTES // 5)}  # enough to be worth sharing


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tamper_job(tmp_path: Path, source: str, hosts: int) -> JobDefinition:
    return JobDefinition(
        image_uri=BASE_IMAGE, code=str(SCRIPTS / "tamper.py"), command=("python3",), instance_count=hosts,
        inputs=(ProcessingInput(source, "/opt/ml/processing/input/data", "data"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
    )


def views(tmp_path: Path) -> dict[str, dict[str, str]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("algo-*.json"))}


def assert_private_views(tmp_path: Path, hosts: int) -> None:
    seen = views(tmp_path)
    assert sorted(seen) == [f"algo-{i}" for i in range(1, hosts + 1)]
    assert seen["algo-1"] == {"a.csv": digest(ORIGINAL["a.csv"] + "changed by algo-1\n"), "b.csv": digest(""),
                              "d.csv": digest("new on algo-1\n"), "big.csv": digest(ORIGINAL["big.csv"])}
    for host in range(2, hosts + 1):
        assert seen[f"algo-{host}"] == {name: digest(text) for name, text in ORIGINAL.items()}, host


def test_a_local_input_is_linked_not_copied_and_one_hosts_changes_reach_no_one(tmp_path: Path,
                                                                                jobs_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in ORIGINAL.items():
        (data / name).write_text(text)
    status = run_local(tamper_job(tmp_path, str(data), 3), jobs_dir)
    assert status.status == "Completed", status.failure_reason
    assert not status.hints and not status.warnings, (status.hints, status.warnings)  # no "input never opened"
    assert_private_views(tmp_path, 3)
    assert {p.name: p.read_text() for p in data.iterdir()} == ORIGINAL  # the user's files untouched
    folder = job_folder(status)
    shared = folder / "inputs" / "shared" / "processing" / "input" / "data"
    for name in ORIGINAL:  # the one shared layer holds the user's very files (hard links), not copies
        assert os.stat(shared / name).st_ino == os.stat(data / name).st_ino
    for host in ("algo-2", "algo-3"):  # nothing of the input was written for the hosts that only read it
        assert not any(p.is_file() for p in (folder / "hosts" / host / "ml" / "processing" / "input").rglob("*"))
    [done] = [i for i in status.inputs if i.name == "data"]
    assert (done.name, done.staged, done.total) == ("data", len(ORIGINAL), len(ORIGINAL))
    assert done.staged_bytes == done.total_bytes == sum(len(t) for t in ORIGINAL.values())


def test_a_replicated_s3_input_is_downloaded_once_for_every_host(tmp_path: Path, jobs_dir: Path,
                                                                  s3_endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="inputs")
    for name, text in ORIGINAL.items():
        s3.put_object(Bucket="inputs", Key=f"data/{name}", Body=text.encode())
    status = run_local(tamper_job(tmp_path, "s3://inputs/data/", 2), jobs_dir, endpoint_url=s3_endpoint)
    assert status.status == "Completed", status.failure_reason
    assert_private_views(tmp_path, 2)
    shared = job_folder(status) / "inputs" / "shared" / "processing" / "input" / "data"
    assert {p.name: p.read_text() for p in shared.iterdir()} == ORIGINAL  # one copy, never written by a host
    [done] = [i for i in status.inputs if i.name == "data"]
    assert (done.staged, done.total, done.staged_bytes) == (4, 4, sum(len(t) for t in ORIGINAL.values()))


def test_one_host_of_an_s3_input_gets_a_plain_folder(tmp_path: Path, jobs_dir: Path, s3_endpoint: str) -> None:
    """Nothing to share: the objects go straight into the host's own folder, no overlay."""
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="inputs")
    for name, text in ORIGINAL.items():
        s3.put_object(Bucket="inputs", Key=f"data/{name}", Body=text.encode())
    status = run_local(tamper_job(tmp_path, "s3://inputs/data/", 1), jobs_dir, endpoint_url=s3_endpoint)
    assert status.status == "Completed", status.failure_reason
    assert_private_views(tmp_path, 1)
    folder = job_folder(status)
    assert not (folder / "inputs").exists()
    staged = folder / "hosts" / "algo-1" / "ml" / "processing" / "input" / "data"
    assert sorted(p.name for p in staged.iterdir()) == ["a.csv", "b.csv", "big.csv", "d.csv"]


def test_layered_inputs_off_gives_each_host_its_own_copy(tmp_path: Path, jobs_dir: Path) -> None:
    """`LocalOptions.layered_inputs=False` (byoc check's runs): plain bind mounts, every read in the host's folder."""
    data = tmp_path / "data"
    data.mkdir()
    for name, text in ORIGINAL.items():
        (data / name).write_text(text)
    status = run_local(tamper_job(tmp_path, str(data), 2), jobs_dir, layered_inputs=False)
    assert status.status == "Completed", status.failure_reason
    assert_private_views(tmp_path, 2)
    folder = job_folder(status)
    assert not (folder / "inputs").exists()
    staged = folder / "hosts" / "algo-2" / "ml" / "processing" / "input" / "data"
    assert {p.name: p.read_text() for p in staged.iterdir()} == ORIGINAL


def test_a_kept_host_keeps_its_overlay_volume(tmp_path: Path, jobs_dir: Path) -> None:
    """`--keep` on a layered job: the failed host's container and overlay volume outlive the job, the other's go."""
    data = tmp_path / "data"
    data.mkdir()
    for name, text in ORIGINAL.items():
        (data / name).write_text(text)
    definition = JobDefinition(
        image_uri=BASE_IMAGE, code=str(SCRIPTS / "behave.py"), command=("python3",), instance_count=2,
        arguments=("--fail-on", "algo-2"),
        inputs=(ProcessingInput(str(data), "/opt/ml/processing/input/data", "data"),))
    status = run_local(definition, jobs_dir, keep=Keep.FAILED)
    client = docker.from_env()
    try:
        assert status.status == "Failed"
        assert (job_folder(status) / "inputs" / "shared").is_dir()  # layered
        selector = {"label": [f"{LABEL_JOB}={status.job_name}"]}
        volumes = client.volumes.list(filters=selector)
        containers = client.containers.list(all=True, filters=selector)
        assert [v.attrs["Labels"][LABEL_HOST] for v in volumes] == ["algo-2"]
        assert [c.labels[LABEL_HOST] for c in containers] == ["algo-2"]
    finally:
        assert sweep(client, status.job_name) >= 1
        client.close()
