"""The job record: the local job's state, kept in job.json, the source of truth every client reads.

Only the job's supervisor writes it while the job runs (and a client reconciling a job whose
supervisor died, see `reconcile.py`). It is rewritten atomically at every change, so a reader in
another process always sees a whole file, and a crashed supervisor leaves the last known state.
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

from launcher.backend import TERMINAL_STATUSES


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host's container: its exit code and the times of each phase (for `describe` and the timeline)."""

    name: str
    exit_code: int | None = None
    phases: dict[str, list[str]] = field(default_factory=dict)  # phase -> [start, end]


@dataclass(frozen=True, slots=True)
class OutputRecord:
    """One output: where it goes and, once its upload was tried, how many of its objects got there."""

    name: str
    destination: str
    uploaded: int | None = None
    total: int | None = None
    uploaded_bytes: int | None = None
    total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One input's staging so far: objects and bytes in place, of those to fetch (see progress.py)."""

    name: str
    staged: int = 0
    total: int = 0
    staged_bytes: int = 0
    total_bytes: int = 0


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_name: str
    job_arn: str
    status: str
    image_uri: str
    workspace: str
    creation_time: str
    hosts: tuple[HostRecord, ...] = ()
    outputs: tuple[OutputRecord, ...] = ()
    inputs: tuple[InputRecord, ...] = ()
    failure_reason: str | None = None
    exit_message: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    last_modified_time: str | None = None
    supervisor_pid: int | None = None  # the process supervising the job
    cause_exit_code: int | None = None  # see JobStatus.cause_exit_code
    stop_cause: str | None = None  # a StopCause name once a stop was asked for
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds, in the order they ran
    hints: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    # What the containers' environment was, less the credentials endpoint's per-job token (`byoc debug`).
    environment: dict[str, str] = field(default_factory=dict)
    staging: str | None = None  # where the hosts' /opt/ml was, "bind" or "volume", once chosen (`byoc debug`)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def with_host(self, host: HostRecord) -> JobRecord:
        return replace(self, hosts=tuple(host if h.name == host.name else h for h in self.hosts))

    def host(self, name: str) -> HostRecord:
        return next(h for h in self.hosts if h.name == name)

    def output(self, name: str) -> OutputRecord:
        return next(o for o in self.outputs if o.name == name)

    def with_output(self, output: OutputRecord) -> JobRecord:
        return replace(self, outputs=tuple(output if o.name == output.name else o for o in self.outputs))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobRecord:
        values = dict(data)
        hosts = tuple(HostRecord(**h) for h in values.pop("hosts", []))
        outputs = tuple(OutputRecord(**o) for o in values.pop("outputs", []))
        inputs = tuple(InputRecord(**i) for i in values.pop("inputs", []))
        hints = tuple(values.pop("hints", ()))
        warnings = tuple(values.pop("warnings", ()))
        notices = tuple(values.pop("notices", ()))
        return cls(hosts=hosts, outputs=outputs, inputs=inputs, hints=hints, warnings=warnings, notices=notices,
                   **values)


def save(record: JobRecord, file: Path) -> None:
    """Write via a temporary file and rename, so readers never see half a record."""
    record = replace(record, last_modified_time=now())
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".job.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump(record.to_json(), stream, indent=2)
        stream.write("\n")
    os.replace(tmp, file)


def stamp(file: Path) -> tuple[int, int, int]:
    """What tells one save of a record from another without reading it: each save renames a new file in (`save`),
    so its inode, time and size."""
    found = os.stat(file)
    return found.st_ino, found.st_mtime_ns, found.st_size


def save_request(request: Mapping[str, Any], file: Path) -> None:
    file.write_text(json.dumps(request, indent=2) + "\n", encoding="utf-8")


def load_request(file: Path) -> dict[str, Any]:
    request: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return request


def load(file: Path) -> JobRecord:
    return JobRecord.from_json(json.loads(file.read_text(encoding="utf-8")))
