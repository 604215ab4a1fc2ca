"""CloudWatch Logs for `/aws/sagemaker/ProcessingJobs`, served from `Backend.logs`, as the SDKs follow it.

Streams are named as on SageMaker, `<job>/algo-<i>-<epoch>` (epoch: the job's start, in seconds), one per host
once the job has started. Events of a stream are numbered from 0 in the order the host printed them; tokens
carry that position (`f/<n>`: the next event to read forward, `b/<n>`: the first event already read backward).
GetLogEvents returns the token it was given when nothing is new, which ends boto3's paginator and lets the
SDKs' followers (`sagemaker.logs.log_stream`) poll the same position again for lines printed later.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from launcher.backend import Backend, JobStatus, LogEvent
from launcher.errors import JobNotFoundError
from launcher.serve.wire import ServiceFault

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"
MAX_EVENTS = 10000
_STREAM = re.compile(r"^(?P<job>[^/]+)/(?P<host>algo-\d+)-(?P<epoch>\d+)$")


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def stream_name(status: JobStatus, host: str) -> str:
    started = status.start_time or status.creation_time
    return f"{status.job_name}/{host}-{int(started.timestamp())}"


class LogsApi:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def handlers(self) -> dict[str, Any]:
        return {
            "DescribeLogStreams": self.describe_log_streams,
            "GetLogEvents": self.get_log_events,
            "FilterLogEvents": self.filter_log_events,
        }

    # -- streams -------------------------------------------------------------------------------------------

    def _streams(self, prefix: str) -> list[tuple[str, JobStatus, str]]:
        job, slash, _ = prefix.partition("/")
        if slash:  # a job name has no '/': the prefix names one job
            try:
                jobs = [self.backend.describe(job)]
            except JobNotFoundError:
                jobs = []
        else:
            jobs = [s for s in self.backend.list() if s.job_name.startswith(prefix)]
        found = []
        for status in jobs:
            if status.start_time is None:
                continue
            for host in status.hosts:
                name = stream_name(status, host.name)
                if name.startswith(prefix):
                    found.append((name, status, host.name))
        return found

    def _events(self, status: JobStatus, host: str) -> list[LogEvent]:
        return list(self.backend.logs(status.job_name, host=host))

    def describe_log_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        self._group(params)
        prefix = params.get("logStreamNamePrefix", "")
        order = params.get("orderBy", "LogStreamName")
        if prefix and order == "LastEventTime":
            raise ServiceFault("InvalidParameterException",
                               "Cannot order by LastEventTime with a logStreamNamePrefix.")
        rows = []
        for name, status, host in self._streams(prefix):
            events = self._events(status, host)
            row: dict[str, Any] = {
                "logStreamName": name,
                "creationTime": _epoch_ms(status.start_time or status.creation_time),
                "arn": f"arn:aws:logs:{_region(status)}:{_account(status)}:log-group:{LOG_GROUP}:log-stream:{name}",
                "storedBytes": 0,
            }
            if events:
                row.update(firstEventTimestamp=events[0].timestamp, lastEventTimestamp=events[-1].timestamp,
                           lastIngestionTime=events[-1].timestamp)
            rows.append(row)
        if order == "LastEventTime":
            rows.sort(key=lambda r: (r.get("lastEventTimestamp", 0), r["logStreamName"]))
        else:
            rows.sort(key=lambda r: r["logStreamName"])
        if params.get("descending", False):
            rows.reverse()
        start = _offset(params.get("nextToken"))
        limit = params.get("limit", 50)
        result: dict[str, Any] = {"logStreams": rows[start:start + limit]}
        if start + limit < len(rows):  # only when more exist: SDK v2 loops while nextToken is present
            result["nextToken"] = _token({"o": start + limit})
        return result

    # -- events --------------------------------------------------------------------------------------------

    def _stream(self, params: Mapping[str, Any]) -> tuple[JobStatus, str]:
        self._group(params)
        name = params["logStreamName"]
        match = _STREAM.match(name)
        if match is not None:
            try:
                status = self.backend.describe(match["job"])
            except JobNotFoundError:
                status = None
            if status is not None and stream_name(status, match["host"]) == name \
                    and any(h.name == match["host"] for h in status.hosts):
                return status, match["host"]
        raise ServiceFault("ResourceNotFoundException", "The specified log stream does not exist.")

    def get_log_events(self, params: dict[str, Any]) -> dict[str, Any]:
        status, host = self._stream(params)
        events = self._events(status, host)
        start, end = params.get("startTime"), params.get("endTime")
        indexed = [(i, e) for i, e in enumerate(events)
                   if (start is None or e.timestamp >= start) and (end is None or e.timestamp < end)]
        limit = min(params.get("limit", MAX_EVENTS), MAX_EVENTS)
        token = params.get("nextToken")
        if token is not None:
            direction, position = _position(token)
        else:
            direction = "f" if params.get("startFromHead", False) else "b"
            position = (indexed[0][0] if indexed else len(events)) if direction == "f" else len(events)
        if direction == "f":
            page = [(i, e) for i, e in indexed if i >= position][:limit]
        else:
            page = [(i, e) for i, e in indexed if i < position][-limit:]
        if page:
            forward, backward = page[-1][0] + 1, page[0][0]
        else:
            forward = backward = position
        return {
            "events": [{"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.timestamp}
                       for _, e in page],
            "nextForwardToken": f"f/{forward:056d}",
            "nextBackwardToken": f"b/{backward:056d}",
        }

    def filter_log_events(self, params: dict[str, Any]) -> dict[str, Any]:
        self._group(params)
        names = params.get("logStreamNames")
        prefix = params.get("logStreamNamePrefix", "")
        if names and prefix:
            raise ServiceFault("InvalidParameterException",
                               "logStreamNames and logStreamNamePrefix cannot be specified together.")
        streams = [s for s in self._streams(prefix) if not names or s[0] in names]
        match = _matcher(params.get("filterPattern", ""))
        start, end = params.get("startTime"), params.get("endTime")
        rows = []
        for name, status, host in streams:
            for index, event in enumerate(self._events(status, host)):
                if (start is None or event.timestamp >= start) and (end is None or event.timestamp < end) \
                        and match(event.message):
                    rows.append((event.timestamp, name, index, event))
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        offset = _offset(params.get("nextToken"))
        limit = min(params.get("limit", MAX_EVENTS), MAX_EVENTS)
        page = rows[offset:offset + limit]
        result: dict[str, Any] = {
            "events": [{"logStreamName": name, "timestamp": e.timestamp, "message": e.message,
                        "ingestionTime": e.timestamp, "eventId": f"{name}:{index}"} for _, name, index, e in page],
            "searchedLogStreams": [{"logStreamName": name, "searchedCompletely": True} for name, _, _ in streams],
        }
        if offset + limit < len(rows):
            result["nextToken"] = _token({"o": offset + limit})
        return result

    @staticmethod
    def _group(params: Mapping[str, Any]) -> None:
        group = params.get("logGroupName") or params.get("logGroupIdentifier")
        if group != LOG_GROUP:
            raise ServiceFault("ResourceNotFoundException", "The specified log group does not exist.")


def _region(status: JobStatus) -> str:
    return status.job_arn.split(":")[3]


def _account(status: JobStatus) -> str:
    return status.job_arn.split(":")[4]


def _token(data: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise ServiceFault("InvalidParameterException", "The specified nextToken is invalid.") from None
    return max(offset, 0)


def _position(token: str) -> tuple[str, int]:
    direction, _, digits = token.partition("/")
    if direction not in ("f", "b") or not digits.isdigit():
        raise ServiceFault("InvalidParameterException", "The specified nextToken is invalid.")
    return direction, int(digits)


def _matcher(pattern: str) -> Any:
    """CloudWatch's plain filter patterns: every term (a word or a "quoted phrase") must occur; `?term` any-of."""
    if pattern.strip().startswith(("{", "[")):
        raise ServiceFault("InvalidParameterException",
                           "this endpoint supports term filter patterns only (words and \"quoted phrases\")")
    terms = re.findall(r'\?"[^"]*"|\?\S+|"[^"]*"|\S+', pattern)
    required = [t.strip('"') for t in terms if not t.startswith("?")]
    optional = [t[1:].strip('"') for t in terms if t.startswith("?")]

    def match(message: str) -> bool:
        if any(t not in message for t in required):
            return False
        return not optional or any(t in message for t in optional)

    return match

