"""RecordChanges, the pause between a follower's reads: it ends once the record is saved, not after its time; it
lasts its time when nothing is saved, and where the folder cannot be watched."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from launcher.local import record as records
from launcher.local.changes import RecordChanges
from launcher.local.workspace import JobWorkspace
from tests.unit.launcher.test_end_watch import running_job

LONG = 30.0  # a pause that would fail the test's time limit if it were not cut short


def test_a_pause_ends_when_the_record_is_saved(tmp_path: Path) -> None:
    workspace, record = running_job(tmp_path)
    ended = replace(record, status="Completed", end_time=records.now())
    saver = threading.Timer(0.2, records.save, args=(ended, workspace.record_file))
    with RecordChanges(workspace) as changes:
        started = time.monotonic()
        saver.start()
        changes.pause(LONG)
        waited = time.monotonic() - started
    saver.join()
    assert records.load(workspace.record_file).status == "Completed"
    assert 0.15 < waited < LONG / 2, f"the pause lasted {waited:.3f} s, not until the save 0.2 s in"


def test_a_pause_lasts_its_time_when_nothing_is_saved(tmp_path: Path) -> None:
    workspace, _ = running_job(tmp_path)
    (workspace.folder / "hosts").mkdir()  # not a record save: nothing moved in
    with RecordChanges(workspace) as changes:
        started = time.monotonic()
        changes.pause(0.3)
        assert time.monotonic() - started >= 0.29


def test_a_folder_that_cannot_be_watched_is_polled(tmp_path: Path) -> None:
    gone = JobWorkspace(tmp_path / "removed")  # no folder: inotify refuses the watch
    with RecordChanges(gone) as changes:
        started = time.monotonic()
        changes.pause(0.3)
        assert time.monotonic() - started >= 0.29
