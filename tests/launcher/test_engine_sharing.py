"""Engines without this machine's folders: the guard, the choice of staging, and volume staging on a real one.

The engine that sees nothing of this machine is a second dockerd in a container (tests/launcher/remote_engine),
reached over DOCKER_HOST=tcp://127.0.0.1:<port>. With bind mounts forced it fails every job at once; left
to choose, the launcher stages through its API, and the same jobs give the same outputs as on the
local engine with bind mounts.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.errors import EXIT_BACKEND
from launcher.local.cluster import LABEL_JOB, labels
from launcher.local.options import Staging
from launcher.local.sharing import CACHE_FOLDER, check_folder, engine_of
from tests.launcher.conftest import (
    BASE_IMAGE,
    behave_job,
    byoc,
    left_behind,
    local_files,
    run_local,
    touch_in_host,
    unsized,
)
from tests.launcher.remote_engine import RemoteEngine

# Reads its Pipe channel `data` and writes what it got, byte for byte, with the manifest it saw.
PIPE_COPY = '''
from byoc_runtime import load_context, manifest_path, open_channel, run

def main(argv):
    ctx = load_context()
    out = ctx.output_dir("out")
    with open_channel(ctx, "data") as stream:
        (out / f"{ctx.current_host}.bin").write_bytes(stream.read())
    (out / f"{ctx.current_host}-manifest.txt").write_text(manifest_path(ctx, "data").read_text())

run(main)
'''


def inventory_job(tmp_path: Path, instance_count: int = 2, **fields: Any) -> JobDefinition:
    data = local_files(tmp_path / "data", 4)
    return JobDefinition(
        image_uri=BASE_IMAGE, arguments=("inventory", "--output", "out"), instance_count=instance_count,
        inputs=(ProcessingInput(data.source, data.destination, "data", s3_data_distribution_type="ShardedByS3Key"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),), **fields)


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def on(engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine.url)


def assert_nothing_left(engine: RemoteEngine, status: JobStatus) -> None:
    assert not left_behind(engine.client, status.job_name), "the job left something in the engine"


def guard_reason(engine: RemoteEngine, folder: Path, problem: str) -> str:
    name = engine.client.info()["Name"]
    return (f"ClientError: the Docker engine {name!r} at DOCKER_HOST={engine.url} does not see this machine's folder "
            f"{folder} ({problem}): bind-mounted as each host's /opt/ml, it would be an empty folder of the engine's "
            "own, and the job's inputs, config files, outputs and exit message would stay on the wrong side. Stage "
            "through the engine instead (--staging volume, or leave --staging unset: it is chosen by itself), ")


# --- the guard: bind mounts forced on an engine that cannot honour them --------------------------------


def test_forced_bind_mounts_on_an_engine_that_cannot_see_the_jobs_folder_fail_before_any_container_starts(
    tmp_path: Path, jobs_dir: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(second_engine, monkeypatch)
    started = time.monotonic()
    status = run_local(inventory_job(tmp_path), jobs_dir, staging=Staging.BIND)

    assert time.monotonic() - started < 20
    assert status.status == "Failed"
    assert status.failure_reason is not None
    assert status.failure_reason.startswith(guard_reason(second_engine, jobs_dir, "the folder does not exist on the "
                                                                                  "engine's side"))
    assert "unset DOCKER_HOST" in status.failure_reason and "--jobs-dir" in status.failure_reason
    assert status.cause_exit_code == EXIT_BACKEND
    assert [h.exit_code for h in status.hosts] == [None, None]
    assert all("running" not in h.phases for h in status.hosts)
    assert not (tmp_path / "out").exists()
    assert_nothing_left(second_engine, status)


def test_the_guard_is_not_fooled_by_an_empty_folder_the_engine_made_at_the_same_path(
    tmp_path: Path, jobs_dir: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a bind mount of a missing path does on the engine's side: it makes an empty folder there.
    second_engine.client.containers.run(BASE_IMAGE, ["help"], remove=True,
                                        volumes={str(jobs_dir): {"bind": "/made", "mode": "rw"}})
    on(second_engine, monkeypatch)

    status = run_local(inventory_job(tmp_path), jobs_dir, staging=Staging.BIND)

    assert status.status == "Failed"
    assert status.failure_reason is not None
    assert status.failure_reason.startswith(guard_reason(second_engine, jobs_dir, "a file written here does not "
                                                                                  "appear on the engine's side"))
    assert_nothing_left(second_engine, status)
    assert not list((jobs_dir / CACHE_FOLDER).glob("*")), "a failed proof must not be kept, nor its markers"


def test_byoc_run_staging_bind_against_that_engine_exits_3_with_the_guards_line(tmp_path: Path,
                                                                                second_engine: RemoteEngine) -> None:
    data = local_files(tmp_path / "data", 2)
    job = tmp_path / "job.yaml"
    job.write_text(f"image_uri: {BASE_IMAGE}\narguments: [inventory]\n"
                   f"inputs:\n  - source: {data.source}\n    destination: {data.destination}\n    input_name: data\n")
    result = byoc("run", str(job), "--jobs-dir", str(tmp_path / "jobs"), "--staging", "bind",
                  env={"DOCKER_HOST": second_engine.url})
    assert result.returncode == EXIT_BACKEND, result.stdout + result.stderr
    assert f"does not see this machine's folder {tmp_path / 'jobs'}" in result.stdout
    assert f"DOCKER_HOST={second_engine.url}" in result.stdout


def test_the_proof_is_kept_so_only_the_first_job_on_an_engine_pays_for_it(tmp_path: Path, jobs_dir: Path) -> None:
    client = docker.from_env()
    creates = {}
    for name in ("first", "second"):
        since = datetime.now(UTC)
        status = run_local(inventory_job(tmp_path / name), jobs_dir)
        assert status.status == "Completed", status.failure_reason
        selector = {"type": "container", "event": "create", "label": f"{LABEL_JOB}={status.job_name}"}
        # The engine takes whole seconds: until the next one, or a job ended within a second is not counted.
        events = client.events(since=since, until=int(time.time()) + 1, decode=True, filters=selector)
        creates[name] = sum(1 for _ in events)
        assert not staging_notices(status), "the local engine sees the jobs folder: bind mounts, nothing to say"
    assert creates == {"first": 3, "second": 2}, "the probe's container, then none: the proof was kept"
    assert len(list((jobs_dir / CACHE_FOLDER).iterdir())) == 1


def test_check_folder_proves_a_folder_the_local_engine_sees(tmp_path: Path) -> None:
    client = docker.from_env()
    engine = engine_of(client.info())
    assert engine.same_kernel, "the test machine's engine runs here"
    folder = tmp_path / "shared"
    folder.mkdir()
    assert check_folder(client, engine, BASE_IMAGE, folder, labels("sharing-probe")) is None
    assert [p.name for p in (folder / CACHE_FOLDER).iterdir()] != []
    assert not list((folder / CACHE_FOLDER).glob("probe-*")), "the markers are removed"


# --- left to choose: volumes, and the same outputs as bind mounts on the local engine -----------------


def run_on_both(job: JobDefinition, tmp_path: Path, engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch,
                **options: Any) -> dict[str, JobStatus]:
    """The job on the local engine (bind mounts, chosen), then on the other engine (volumes, chosen); each with its
    own jobs folder and output folder `<tmp>/<where>/out`."""
    statuses = {}
    for where in ("local", "remote"):
        if where == "remote":
            on(engine, monkeypatch)
        statuses[where] = run_local(_relocated(job, tmp_path / where), tmp_path / where / "jobs", **options)
    assert not staging_notices(statuses["local"])
    assert staging_notices(statuses["remote"])[0].startswith(
        "each host's /opt/ml is a Docker volume, filled and emptied through the engine's API (slower than a bind "
        f"mount): the Docker engine '{engine.client.info()['Name']}' at DOCKER_HOST={engine.url} does not run on "
        "this machine's kernel")
    assert_nothing_left(engine, statuses["remote"])
    return statuses


def staging_notices(status: JobStatus) -> list[str]:
    """The job's notices but the one every job without launcher credentials gets (test_aws_inside.py) and the
    one of a job sized beyond this engine (conftest.unsized)."""
    return [n for n in unsized(status.notices) if not n.startswith("this job gets no AWS credentials")]


def _relocated(job: JobDefinition, root: Path) -> JobDefinition:
    moved = tuple(dataclasses.replace(o, destination=str(root / Path(str(o.destination)).name)) for o in job.outputs)
    return dataclasses.replace(job, outputs=moved)


def test_config_files_and_sharded_inputs_reach_both_hosts_through_the_engine(
    tmp_path: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = inventory_job(tmp_path, job_name="same-inventory")
    statuses = run_on_both(job, tmp_path, second_engine, monkeypatch)

    for status in statuses.values():
        assert status.status == "Completed", status.failure_reason
        assert [o.uploaded for o in status.outputs] == [2]
    local, remote = outputs(tmp_path / "local/out"), outputs(tmp_path / "remote/out")
    assert sorted(remote) == ["algo-1.json", "algo-2.json"]
    assert remote == local, "the same config files and shards reached each host"


def test_pipe_inputs_are_fed_from_inside_the_engine(tmp_path: Path, second_engine: RemoteEngine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    for i in range(3):
        (tmp_path / f"data/{i}.csv").write_bytes(b"t,a\n" + f"{i},{i}\n".encode() * 50_000)
    script = tmp_path / "pipe_copy.py"
    script.write_text(PIPE_COPY)
    job = JobDefinition(
        image_uri=BASE_IMAGE, code=str(script), command=("python3",), instance_count=2, job_name="same-pipe",
        inputs=(ProcessingInput(str(tmp_path / "data"), "/opt/ml/processing/input/data", "data", s3_input_mode="Pipe",
                                s3_data_distribution_type="ShardedByS3Key"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),))

    statuses = run_on_both(job, tmp_path, second_engine, monkeypatch)

    for status in statuses.values():
        assert status.status == "Completed", (status.failure_reason, status.exit_message)
    remote = outputs(tmp_path / "remote/out")
    assert remote == outputs(tmp_path / "local/out")
    assert len(remote["algo-1.bin"]) == 2 * (4 + 4 * 50_000)  # 0.csv and 2.csv, key order
    assert remote["algo-2-manifest.txt"] == f"{tmp_path / 'data'}/\n{tmp_path / 'data'}/1.csv\n".encode()


def test_a_failing_hosts_exit_message_and_failure_reason_come_back_from_the_engine(
    tmp_path: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = behave_job(tmp_path, "--fail-on", "algo-2", "--sleep-on", "algo-1=60", "--sleep-on", "algo-2=2",
                     "--write", "out", instance_count=2, job_name="same-failure")
    statuses = run_on_both(job, tmp_path, second_engine, monkeypatch, stop_grace_seconds=10)

    for status in statuses.values():
        assert status.status == "Failed"
        assert status.failure_reason == ("AlgorithmError: InputError: channel 'data', file 'bad.csv' line 3: this host "
                                         "was told to fail, exit code: 4 (host algo-2)")
        assert {h.name: h.exit_code for h in status.hosts} == {"algo-1": 143, "algo-2": 4}
        assert status.exit_message is not None
        assert "[algo-2] InputError: channel 'data'" in status.exit_message
        assert "[algo-1] Stopped: received SIGTERM" in status.exit_message
    assert not (tmp_path / "remote/out").exists(), "a failed job uploads nothing"


def test_continuous_and_end_of_job_outputs_come_out_of_the_engine(
    tmp_path: Path, jobs_dir: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = tmp_path / "control"
    control.mkdir()
    (control / "README").write_text("the test drops `release` into each host's copy of this channel\n")
    out, final = tmp_path / "out", tmp_path / "final"
    job = behave_job(
        tmp_path, "--continuous-then-wait", "out", "--write", "final", instance_count=2, job_name="remote-continuous",
        inputs=(ProcessingInput(str(control), "/opt/ml/processing/input/control", "control"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(out), "out", s3_upload_mode="Continuous"),
                 ProcessingOutput("/opt/ml/processing/output/final", str(final), "final")),
    )
    on(second_engine, monkeypatch)
    result: list[JobStatus] = []
    runner = threading.Thread(target=lambda: result.append(run_local(job, jobs_dir, continuous_interval_seconds=0.3)))
    runner.start()
    deadline = time.monotonic() + 90
    while not ((out / "part-1-algo-1.txt").exists() and (out / "part-1-algo-2.txt").exists()):
        assert time.monotonic() < deadline, "Continuous output did not come out while the job ran"
        time.sleep(0.2)
    assert not final.exists(), "EndOfJob output must wait for the end"
    for host in ("algo-1", "algo-2"):
        touch_in_host(jobs_dir, "remote-continuous", host, "/opt/ml/processing/input/control/release", Staging.VOLUME)
    runner.join(90)

    assert result and result[0].status == "Completed", result
    assert sorted(outputs(out)) == ["part-1-algo-1.txt", "part-1-algo-2.txt", "part-2-algo-1.txt",
                                    "part-2-algo-2.txt"]
    assert sorted(outputs(final)) == ["algo-1.json", "algo-2.json"]
    assert [(o.name, o.uploaded, o.total) for o in result[0].outputs] == [("out", 4, 4), ("final", 2, 2)]
    assert_nothing_left(second_engine, result[0])
