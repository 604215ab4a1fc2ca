"""The guard: a job whose engine cannot see the job folder fails before any container starts, naming the
engine, the folder and the way out; a job on an engine that sees it pays for the proof once.

The engine that sees nothing of this machine is a real second dockerd (tests/launcher/remote_engine).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import docker
import pytest

from launcher.definition import JobDefinition, ProcessingOutput
from launcher.errors import EXIT_BACKEND
from launcher.local.cluster import LABEL_JOB, labels
from launcher.local.sharing import CACHE_FOLDER, check_folder, engine_of
from tests.launcher.conftest import BASE_IMAGE, byoc, local_files, run_local
from tests.launcher.remote_engine import RemoteEngine


def inventory_job(tmp_path: Path, instance_count: int = 2) -> JobDefinition:
    return JobDefinition(
        image_uri=BASE_IMAGE, arguments=("inventory", "--output", "out"), instance_count=instance_count,
        inputs=(local_files(tmp_path / "data", 4),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
    )


def guard_reason(engine: RemoteEngine, folder: Path, problem: str) -> str:
    name = engine.client.info()["Name"]
    return (f"ClientError: the Docker engine {name!r} at DOCKER_HOST={engine.url} does not see this machine's folder "
            f"{folder} ({problem}): bind-mounted as each host's /opt/ml, it would be an empty folder of the engine's "
            "own, and the job's inputs, config files, outputs and exit message would stay on the wrong side.")


def test_an_engine_that_cannot_see_the_jobs_folder_fails_the_job_before_any_container_starts(
    tmp_path: Path, jobs_dir: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", second_engine.url)
    started = time.monotonic()
    status = run_local(inventory_job(tmp_path), jobs_dir)

    assert time.monotonic() - started < 20
    assert status.status == "Failed"
    assert status.failure_reason is not None
    assert status.failure_reason.startswith(guard_reason(second_engine, jobs_dir, "the folder does not exist on the "
                                                                                  "engine's side"))
    assert "unset DOCKER_HOST" in status.failure_reason and "--jobs-dir" in status.failure_reason
    assert status.cause_exit_code == EXIT_BACKEND
    assert [h.exit_code for h in status.hosts] == [None, None]
    assert all("running" not in h.phases for h in status.hosts)
    assert not second_engine.has_container_of(status.job_name), "the probe or a host's container was left"
    assert not (tmp_path / "out").exists()


def test_the_guard_is_not_fooled_by_an_empty_folder_the_engine_made_at_the_same_path(
    tmp_path: Path, jobs_dir: Path, second_engine: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a bind mount of a missing path does on the engine's side: it makes an empty folder there.
    second_engine.client.containers.run(BASE_IMAGE, ["help"], remove=True,
                                        volumes={str(jobs_dir): {"bind": "/made", "mode": "rw"}})
    monkeypatch.setenv("DOCKER_HOST", second_engine.url)

    status = run_local(inventory_job(tmp_path), jobs_dir)

    assert status.status == "Failed"
    assert status.failure_reason is not None
    assert status.failure_reason.startswith(guard_reason(second_engine, jobs_dir, "a file written here does not "
                                                                                  "appear on the engine's side"))
    assert not second_engine.has_container_of(status.job_name)
    assert not list((jobs_dir / CACHE_FOLDER).glob("*")), "a failed proof must not be kept, nor its markers"


def test_byoc_run_against_that_engine_exits_3_with_the_guards_line(tmp_path: Path, second_engine: RemoteEngine
                                                                   ) -> None:
    data = local_files(tmp_path / "data", 2)
    job = tmp_path / "job.yaml"
    job.write_text(f"image_uri: {BASE_IMAGE}\narguments: [inventory]\n"
                   f"inputs:\n  - source: {data.source}\n    destination: {data.destination}\n    input_name: data\n")
    result = byoc("run", str(job), "--jobs-dir", str(tmp_path / "jobs"), env={"DOCKER_HOST": second_engine.url})
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
        events = client.events(since=since, until=datetime.now(UTC), decode=True, filters=selector)
        creates[name] = sum(1 for _ in events)
    assert creates == {"first": 3, "second": 2}, "the probe's container, then none: the proof was kept"
    assert len(list((jobs_dir / CACHE_FOLDER).iterdir())) == 1


def test_check_folder_proves_a_folder_the_local_engine_sees(tmp_path: Path) -> None:
    client = docker.from_env()
    folder = tmp_path / "shared"
    folder.mkdir()
    assert check_folder(client, engine_of(client), BASE_IMAGE, folder, labels("sharing-probe")) is None
    assert [p.name for p in (folder / CACHE_FOLDER).iterdir()] != []
    assert not list((folder / CACHE_FOLDER).glob("probe-*")), "the markers are removed"
