"""EndWatch, what `wait` and a log follower poll: a change of the record is seen at once, an unchanged record is
not read again, and a supervisor that died is found within SUPERVISOR_CHECK_SECONDS."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from launcher.local import record as records
from launcher.local.launch import take_lock
from launcher.local.reconcile import SUPERVISOR_CHECK_SECONDS, EndWatch
from launcher.local.record import JobRecord
from launcher.local.workspace import JobWorkspace


def running_job(tmp_path: Path) -> tuple[JobWorkspace, JobRecord]:
    workspace = JobWorkspace(tmp_path / "watched")
    workspace.folder.mkdir()
    record = JobRecord(job_name="watched", job_arn="arn:aws:sagemaker:us-east-1:000000000000:processing-job/watched",
                       status="InProgress", image_uri="byoc/base:latest", workspace=str(workspace.folder),
                       creation_time=records.now())
    records.save(record, workspace.record_file)
    return workspace, record


def test_an_end_saved_by_the_supervisor_is_seen_at_once(tmp_path: Path) -> None:
    workspace, record = running_job(tmp_path)
    with take_lock(workspace):  # a live supervisor holds it
        watch = EndWatch(workspace)
        assert not watch.ended()
        records.save(replace(record, status="Completed", end_time=records.now()), workspace.record_file)
        assert watch.ended()


def test_an_unchanged_record_is_read_again_only_to_find_a_dead_supervisor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")  # no engine answers: nothing of the job runs there
    workspace, _ = running_job(tmp_path)
    with take_lock(workspace):
        watch = EndWatch(workspace)
        assert not watch.ended()
    # The supervisor is gone, the record unchanged: the next check of it, within the period, finds that.
    assert not watch.ended()
    time.sleep(SUPERVISOR_CHECK_SECONDS + 0.1)
    assert watch.ended()
    ended = records.load(workspace.record_file)
    assert ended.status == "Failed" and ended.failure_reason is not None
    assert ended.failure_reason.startswith("InternalServerError: the job's supervisor")
