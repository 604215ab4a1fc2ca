"""A job's CloudWatch logs, every host's, as the LogEvents the local backend gives.

SageMaker writes each container's stdout/stderr to the log group `/aws/sagemaker/ProcessingJobs`,
in a stream named `<job name>/algo-<i>-<epoch seconds>`. Each `poll()` finds the job's streams,
reads what is new in each since the last poll (GetLogEvents' forward token), and returns the new
events of all hosts in time order. A missing group or no stream yet is not an error: the service
creates them when the containers start.
"""

from __future__ import annotations

import re
from typing import Any

from launcher.backend import LogEvent
from launcher.sagemaker_backend.errors import aws_errors

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"
_HOST = re.compile(r"(algo-\d+)(-\d+)?")


def host_of(stream: str, job_name: str) -> str:
    """`<job>/algo-2-1700000000` -> `algo-2`; anything else after the job name is kept as it is."""
    rest = stream.removeprefix(f"{job_name}/")
    match = _HOST.fullmatch(rest)
    return match.group(1) if match else rest


class CloudWatchLogs:
    """Follows one job's log streams; `host` limits it to one host (`byoc logs --host algo-2`)."""

    def __init__(self, client: Any, job_name: str, host: str | None = None) -> None:
        self.client = client
        self.job_name = job_name
        self.host = host
        self.hosts: set[str] = set()
        self._tokens: dict[str, str | None] = {}

    def poll(self) -> list[LogEvent]:
        """Every event not seen yet, oldest first."""
        events: list[LogEvent] = []
        for stream in self._streams():
            host = host_of(stream, self.job_name)
            self.hosts.add(host)
            if self.host is None or host == self.host:
                events.extend(LogEvent(host, e["timestamp"], e["message"].rstrip("\n"))
                              for e in self._new_events(stream))
        events.sort(key=lambda e: (e.timestamp, e.host))
        return events

    def _streams(self) -> list[str]:
        names: list[str] = []
        paginator = self.client.get_paginator("describe_log_streams")
        with aws_errors("DescribeLogStreams", ignore=("ResourceNotFoundException",)):
            for page in paginator.paginate(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{self.job_name}/"):
                names.extend(s["logStreamName"] for s in page.get("logStreams", []))
        return sorted(names)

    def _new_events(self, stream: str) -> list[dict[str, Any]]:
        """Pages forward from the last token until the service hands back the token it was given."""
        found: list[dict[str, Any]] = []
        token = self._tokens.get(stream)
        while True:
            kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}
            if token is not None:
                kwargs["nextToken"] = token
            with aws_errors("GetLogEvents"):
                page = self.client.get_log_events(**kwargs)
            found.extend(page.get("events", []))
            next_token = page.get("nextForwardToken")
            if next_token is None or next_token == token or not page.get("events"):
                self._tokens[stream] = next_token or token
                return found
            token = next_token
