"""A local job's record and request as the one JobStatus every client reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from launcher.backend import HostStatus, InputStatus, JobStatus, OutputStatus
from launcher.local.record import JobRecord


def job_status(record: JobRecord, request: Mapping[str, Any]) -> JobStatus:
    return JobStatus(
        job_name=record.job_name,
        job_arn=record.job_arn,
        status=record.status,
        creation_time=datetime.fromisoformat(record.creation_time),
        request=request,
        failure_reason=record.failure_reason,
        exit_message=record.exit_message,
        last_modified_time=_time(record.last_modified_time),
        start_time=_time(record.start_time),
        end_time=_time(record.end_time),
        hosts=tuple(HostStatus(h.name, h.exit_code, {phase: (datetime.fromisoformat(start), datetime.fromisoformat(end))
                                                     for phase, (start, end) in h.phases.items()})
                    for h in record.hosts),
        outputs=tuple(OutputStatus(o.name, o.destination, o.uploaded, o.total, o.uploaded_bytes, o.total_bytes)
                      for o in record.outputs),
        inputs=tuple(InputStatus(i.name, i.staged, i.total, i.staged_bytes, i.total_bytes) for i in record.inputs),
        cause_exit_code=record.cause_exit_code,
        hints=record.hints,
        warnings=record.warnings,
        timings=dict(record.timings),
        notices=record.notices,
        folder=record.workspace,
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
