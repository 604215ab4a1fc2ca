"""ListProcessingJobs: filters, sort and pagination over the backend's jobs, as the service applies them.

The page token is the sort key of the last job returned, so a page never repeats or skips a job when jobs
are created between two calls (an offset would shift under a newest-first sort).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from launcher.backend import JobStatus
from launcher.serve.wire import ServiceFault

DEFAULT_MAX_RESULTS = 10


def summary(status: JobStatus) -> dict[str, Any]:
    return {
        "ProcessingJobName": status.job_name,
        "ProcessingJobArn": status.job_arn,
        "CreationTime": status.creation_time,
        "ProcessingEndTime": status.end_time,
        "LastModifiedTime": last_modified(status),
        "ProcessingJobStatus": status.status,
        "FailureReason": status.failure_reason,
        "ExitMessage": status.exit_message,
    }


def last_modified(status: JobStatus) -> datetime:
    return status.last_modified_time or status.end_time or status.start_time or status.creation_time


def _sort_key(status: JobStatus, sort_by: str) -> list[Any]:
    if sort_by == "Name":
        return [status.job_name, status.job_name]
    if sort_by == "Status":
        return [status.status, status.job_name]
    return [status.creation_time.timestamp(), status.job_name]


def list_jobs(jobs: Sequence[JobStatus], params: Mapping[str, Any]) -> dict[str, Any]:
    contains = str(params.get("NameContains", "")).lower()
    selected = [
        job for job in jobs
        if contains in job.job_name.lower()
        and params.get("StatusEquals") in (None, job.status)
        and _within(job.creation_time, params, "CreationTime")
        and _within(last_modified(job), params, "LastModifiedTime")
    ]
    sort_by = params.get("SortBy", "CreationTime")
    descending = params.get("SortOrder", "Descending") == "Descending"
    selected.sort(key=lambda job: _sort_key(job, sort_by), reverse=descending)
    if "NextToken" in params:
        after = _decode(params["NextToken"], sort_by)
        selected = [job for job in selected
                    if (_sort_key(job, sort_by) < after if descending else _sort_key(job, sort_by) > after)]
    limit = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    page = selected[:limit]
    result: dict[str, Any] = {"ProcessingJobSummaries": [summary(job) for job in page]}
    if len(selected) > limit:
        result["NextToken"] = _encode(_sort_key(page[-1], sort_by), sort_by)
    return result


def _within(moment: datetime, params: Mapping[str, Any], field: str) -> bool:
    after, before = params.get(f"{field}After"), params.get(f"{field}Before")
    return (after is None or moment > after) and (before is None or moment < before)


def _encode(key: list[Any], sort_by: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"by": sort_by, "after": key}).encode()).decode()


def _decode(token: str, sort_by: str) -> list[Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["by"] != sort_by or not isinstance(data["after"], list):
            raise ValueError
        return list(data["after"])
    except (ValueError, KeyError, TypeError):
        raise ServiceFault("ValidationException", "Invalid pagination token: NextToken was not returned by "
                                                  "ListProcessingJobs with this SortBy") from None
