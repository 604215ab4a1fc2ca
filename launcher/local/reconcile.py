"""A job whose supervisor died before the job ended is ended by the next reader, not left InProgress.

A supervisor can die without recording the end: `kill -9`, a crash of the endpoint that ran it in a
thread, a machine that went down. Any client that reads such a record (describe, list, wait, stop)
removes the job's containers and network and records it Failed, so no job is shown running forever
and nothing it started keeps running unsupervised.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from launcher.errors import EngineError
from launcher.local import record as records
from launcher.local.launch import supervisor_alive, take_lock
from launcher.local.record import JobRecord
from launcher.local.workspace import JobWorkspace

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


def _sweep(job_name: str, folder: str) -> None:
    from launcher.local.cluster import engine, sweep

    with contextlib.suppress(EngineError):  # an engine that does not answer runs none of its containers now
        sweep(engine(), job_name, folder)
