"""The job record: what `describe` shows, shaped like DescribeProcessingJob, kept in job.json.

It is rewritten atomically at every state change, so `describe`/`list` in another terminal always read
a whole file, and a crashed launcher leaves the last known state behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
TERMINAL = ("Completed", "Failed", "Stopped")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host's container: its exit code and the times of each phase (for `describe` and the timeline)."""

    name: str
    exit_code: int | None = None
    phases: dict[str, list[str]] = field(default_factory=dict)  # phase -> [start, end]


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_name: str
    job_arn: str
    backend: str
    status: str
    image_uri: str
    workspace: str
    creation_time: str
    hosts: tuple[HostRecord, ...] = ()
    failure_reason: str | None = None
    exit_message: str | None = None
    end_time: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # output name -> where its files went
    launcher_pid: int | None = None  # the process supervising the job, for `byoc stop`

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def with_host(self, host: HostRecord) -> JobRecord:
        return replace(self, hosts=tuple(host if h.name == host.name else h for h in self.hosts))

    def host(self, name: str) -> HostRecord:
        return next(h for h in self.hosts if h.name == name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobRecord:
        hosts = tuple(HostRecord(**h) for h in data.pop("hosts", []))
        return cls(hosts=hosts, **data)


def save(record: JobRecord, file: Path) -> None:
    """Write via a temporary file and rename, so readers never see half a record."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".job.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump(record.to_json(), stream, indent=2)
        stream.write("\n")
    os.replace(tmp, file)


def save_request(request: Mapping[str, Any], file: Path) -> None:
    file.write_text(json.dumps(request, indent=2) + "\n", encoding="utf-8")


def load(file: Path) -> JobRecord:
    return JobRecord.from_json(json.loads(file.read_text(encoding="utf-8")))
