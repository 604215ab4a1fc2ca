"""The one seam between the ways in (the CLI, the endpoint, replay, the checker) and the backends.

    client --submit(definition)------> Backend --> job name (the job exists and runs on its own)
           --describe(name)----------->         --> JobStatus: DescribeProcessingJob's fields
           --logs(name, host, follow)->         --> LogEvent, LogEvent, ...
           --wait(name)--------------->         --> JobStatus once terminal, after the backend's own
                                                    end-of-job duties (SageMaker: outputs brought home)
           --stop(name, cause)-------->
           --list()------------------->         --> JobStatus, ... newest first
           --request_for(definition)-->         --> the CreateProcessingJob body it would run or send

A client holds a Backend and never asks which one it is (as httpx's client and its transport). A
backend never imports a client. A job belongs to its backend once `submit` returns: the client that
submitted it may go away, and any other client can describe, follow or stop it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from launcher.definition import JobDefinition

STATUSES = ("InProgress", "Stopping", "Completed", "Failed", "Stopped")
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


class StopCause(Enum):
    """Who or what stopped a job; the value is what its FailureReason says after `Stopped: `."""

    REQUESTED = "StopProcessingJob was requested"
    INTERRUPTED = "the launcher was interrupted (Ctrl-C)"
    TERMINATED = "the launcher was terminated (SIGTERM)"
    HANGUP = "the launcher's terminal went away (SIGHUP)"
    MAX_RUNTIME = "MaxRuntimeExceeded"


@dataclass(frozen=True, slots=True)
class HostStatus:
    """One instance of the job: `algo-i`, its container's exit code once it has exited, and when each of
    its phases (staging, running, uploading) started and ended, where the backend knows."""

    name: str
    exit_code: int | None = None
    phases: Mapping[str, tuple[datetime, datetime]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutputStatus:
    """One output and what reached its destination.

    `uploaded` of `total` objects reached `destination`; both are None when the backend cannot tell
    (SageMaker does not say). `uploaded < total` on a finished job means the destination is incomplete.
    """

    name: str
    destination: str
    uploaded: int | None = None
    total: int | None = None
    uploaded_bytes: int | None = None
    total_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class InputStatus:
    """One input's staging as it goes: `staged` of `total` objects and `staged_bytes` of `total_bytes` are in
    place (a backend that stages nothing itself, as SageMaker, reports no InputStatus)."""

    name: str
    staged: int = 0
    total: int = 0
    staged_bytes: int = 0
    total_bytes: int = 0


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job as DescribeProcessingJob describes it, plus what only the kit knows.

    `request` is the CreateProcessingJob request as the service echoes it back in DescribeProcessingJob
    (image, inputs, outputs, resources, environment, ...). `cause_exit_code` is set for a Failed job
    whose cause is one of the launcher's own errors (a missing image: 3, a bad destination: 2), so the
    CLI exits with that error's code instead of the 1 of a job that failed in its containers.
    `hints` explain a failure beyond the service's fields; `warnings` name things that went silently
    wrong in a Completed job; `notices` are the backend's own remarks as it ran the job; `timings` are
    seconds per phase (validate, stage, create, ...).
    """

    job_name: str
    job_arn: str
    status: str
    creation_time: datetime
    request: Mapping[str, Any] = field(default_factory=dict)
    failure_reason: str | None = None
    exit_message: str | None = None
    last_modified_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    hosts: tuple[HostStatus, ...] = ()
    outputs: tuple[OutputStatus, ...] = ()
    inputs: tuple[InputStatus, ...] = ()
    cause_exit_code: int | None = None
    hints: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    folder: str | None = None  # the local job folder, for a local job

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


NOTICE_HOST = ""


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One line a host printed: `timestamp` in milliseconds since the epoch, `message` without its newline.

    `host` is NOTICE_HOST ("") for the backend's own notices about the job (what it could not emulate,
    an image it mapped, credentials it cannot give), which `logs(name)` interleaves with the hosts' lines
    and `logs(name, host=...)` leaves out.
    """

    host: str
    timestamp: int
    message: str


class Backend(Protocol):
    """Where jobs run. Every method raises a `LauncherError` subclass for an expected failure.

    `interrupt_stops_job`: whether a client interrupted while following a job (Ctrl-C) should stop it
    (a local job, whose machine is the user's) or leave it running (a job on SageMaker, as the SDK does).
    `reports_transfers`: whether `describe` counts inputs staged and outputs uploaded as they go (worth
    polling for progress bars).
    """

    name: str
    interrupt_stops_job: bool
    reports_transfers: bool

    def request_for(self, definition: JobDefinition) -> dict[str, Any]:
        """The CreateProcessingJob request `submit` would run or send for `definition`; nothing is created."""
        ...

    def submit(self, definition: JobDefinition) -> str:
        """Validate and create the job; it runs without the caller. Its name (`job_name` or a generated one)."""
        ...

    def describe(self, job_name: str) -> JobStatus:
        """The job's current status; `JobNotFoundError` for an unknown name."""
        ...

    def logs(self, job_name: str, host: str | None = None, follow: bool = False) -> Iterator[LogEvent]:
        """What the job's hosts printed, oldest first; with `follow`, new lines until the job has ended."""
        ...

    def wait(self, job_name: str) -> JobStatus:
        """Block until the job is terminal and the backend's end-of-job duties are done; its final status."""
        ...

    def stop(self, job_name: str, cause: StopCause = StopCause.REQUESTED, *, kill: bool = False) -> None:
        """Ask the job to stop (SIGTERM, then SIGKILL after the grace period; at once with `kill`, where the
        backend can); `JobStateError` if it has ended."""
        ...

    def list(self) -> list[JobStatus]:
        """Every job this backend knows, newest first."""
        ...


def describe_response(status: JobStatus) -> dict[str, Any]:
    """DescribeProcessingJob's answer for a job: the request echoed back, then status, reasons and times.

    Times stay datetime objects: the endpoint serializes them as the protocol says, `--json` as ISO 8601.
    """
    response = {key: value for key, value in status.request.items() if key not in ("ProcessingJobName", "Tags")}
    response.update(ProcessingJobName=status.job_name, ProcessingJobArn=status.job_arn,
                    ProcessingJobStatus=status.status, CreationTime=status.creation_time)
    optional = {"FailureReason": status.failure_reason, "ExitMessage": status.exit_message,
                "LastModifiedTime": status.last_modified_time, "ProcessingStartTime": status.start_time,
                "ProcessingEndTime": status.end_time}
    response.update({key: value for key, value in optional.items() if value is not None})
    return response
