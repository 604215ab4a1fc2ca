"""A job whose supervisor died before the job ended is ended by the next reader, not left InProgress.

A supervisor can die without recording the end: `kill -9`, a crash of the endpoint that ran it in a
thread, a machine that went down. Any client that reads such a record (describe, list, wait, stop)
removes the job's containers and network and records it Failed, so no job is shown running forever
and nothing it started keeps running unsupervised.
"""

from __future__ import annotations

import time
from dataclasses import replace

from launcher.errors import EngineError
from launcher.local import record as records
from launcher.local.launch import supervisor_alive, take_lock
from launcher.local.record import JobRecord
from launcher.local.workspace import JobWorkspace

# How often a poller that sees the record unchanged still checks that its supervisor is alive.
SUPERVISOR_CHECK_SECONDS = 1.0

DIED = ("InternalServerError: the job's supervisor (pid {pid}) ended before the job did; its containers "
        "were removed. What it printed is in {log}")


def reconciled(workspace: JobWorkspace) -> JobRecord:
    """The job's record, ended first if its supervisor is gone."""
    record = records.load(workspace.record_file)
    if record.is_terminal or supervisor_alive(workspace):
        return record
    try:
        lock = take_lock(workspace)
    except BlockingIOError:  # another reader is reconciling it right now, or a supervisor just took over
        return records.load(workspace.record_file)
    with lock:
        record = records.load(workspace.record_file)
        if record.is_terminal:
            return record
        _sweep(record.job_name, str(workspace.folder))
        ended = replace(record, status="Failed", end_time=records.now(), failure_reason=DIED.format(
            pid=record.supervisor_pid or "?", log=workspace.supervisor_log))
        records.save(ended, workspace.record_file)
        return ended


class EndWatch:
    """Whether a job has ended, for callers that ask many times a second (a wait, a log follower).

    Each save of the record renames a new file in (record.save), so an unchanged inode, time and size mean an
    unchanged record: the record is read again only when it changed, and otherwise once a second, to end the
    job if its supervisor died. Reading and parsing it 50 times a second took CPU from the job's own staging
    (a third of the main thread's time in a 512 MiB download).
    """

    def __init__(self, workspace: JobWorkspace) -> None:
        self.workspace = workspace
        self._seen: tuple[int, int, int] | None = None
        self._next_check = 0.0

    def ended(self) -> bool:
        seen = records.stamp(self.workspace.record_file)
        now = time.monotonic()
        if seen == self._seen and now < self._next_check:
            return False
        self._seen, self._next_check = seen, now + SUPERVISOR_CHECK_SECONDS
        return reconciled(self.workspace).is_terminal


def _sweep(job_name: str, folder: str) -> None:
    from launcher.local.cluster import engine, sweep

    try:
        client = engine()
    except EngineError:  # an engine that does not answer runs none of its containers now
        return
    try:
        sweep(client, job_name, folder)
    finally:
        client.close()
