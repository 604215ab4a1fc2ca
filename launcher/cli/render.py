"""What `byoc` prints about jobs: a status summary, a jobs table, log lines. True, and never markup.

Every string that came from a job or a backend (names, reasons, exit messages, log lines) goes into
a rich `Text`, which is never parsed for markup: `[bold]` or `[/]` in an exit message prints as
written. Only this module's own labels carry styles.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from launcher.backend import NOTICE_HOST, JobStatus, LogEvent, OutputStatus
from launcher.errors import EXIT_COMPLETED, EXIT_FAILED, EXIT_STOPPED

STATUS_STYLE = {"Completed": "green", "Failed": "red", "Stopped": "yellow", "InProgress": "cyan",
                "Stopping": "yellow"}
HOST_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")
LABEL_WIDTH = 10


def exit_code(status: JobStatus) -> int:
    """`byoc run`'s exit code for a finished job (see launcher/cli/__init__.py)."""
    if status.status == "Completed":
        return EXIT_COMPLETED
    if status.status == "Stopped":
        return EXIT_STOPPED
    return status.cause_exit_code or EXIT_FAILED


def show(status: JobStatus, out: Console) -> None:
    """The summary `byoc run` ends with and `byoc describe` prints."""
    rows: list[tuple[str, Text | str | None]] = [
        ("job", status.job_name),
        ("status", Text(status.status, style=STATUS_STYLE.get(status.status, ""))),
        ("reason", status.failure_reason),
        ("message", status.exit_message),
        *(("hint", hint) for hint in status.hints),
        *(("warning", Text(warning, style="yellow")) for warning in status.warnings),
        ("instances", _instances(status.request)),
        ("created", _time(status.creation_time)),
        ("ended", _time(status.end_time)),
        *(("host", f"{h.name}  exit code {'-' if h.exit_code is None else h.exit_code}") for h in status.hosts),
        ("folder", status.folder),
        ("arn", None if status.folder else status.job_arn),
        *(("output", f"{o.name} -> {_output(o, status)}") for o in status.outputs),
    ]
    for label, value in rows:
        if value:
            _row(out, label, value)


def show_timings(status: JobStatus, out: Console) -> None:
    """Seconds per phase, in the order they ran, and what the job took in all."""
    total = (status.end_time - status.creation_time).total_seconds() if status.end_time else None
    parts = [f"{phase} {seconds:.3f}s" for phase, seconds in status.timings.items()]
    if total is not None:
        parts.append(f"total {total:.3f}s")
    _row(out, "timings", "  ".join(parts))


def jobs_table(statuses: list[JobStatus]) -> Table:
    table = Table("job", "status", "hosts", "created", "ended")
    for status in statuses:
        table.add_row(Text(status.job_name), Text(status.status, style=STATUS_STYLE.get(status.status, "")),
                      str(len(status.hosts)) if status.hosts else "", _time(status.creation_time),
                      _time(status.end_time))
    return table


def event_line(event: LogEvent) -> Text:
    """`algo-2 | <line>` with the host in its colour; the backend's own notices in yellow."""
    if event.host == NOTICE_HOST:
        return Text.assemble(("byoc: ", "bold yellow"), (event.message, "yellow"))
    return Text.assemble((f"{event.host} | ", host_colour(event.host)), event.message)


def host_colour(host: str) -> str:
    suffix = host.rsplit("-", 1)[-1]
    index = int(suffix) - 1 if suffix.isdigit() else 0
    return HOST_COLOURS[index % len(HOST_COLOURS)]


def _row(out: Console, label: str, value: Text | str) -> None:
    """`label     value`; the lines of a value after its first (a hint's traceback) go under the value."""
    text = value if isinstance(value, Text) else Text(value)
    lines = list(text.split("\n", allow_blank=True))
    out.print(Text.assemble(f"{label:<{LABEL_WIDTH}} ", *_joined(lines, "\n" + " " * (LABEL_WIDTH + 1))),
              soft_wrap=True)


def _joined(lines: list[Text], separator: str) -> list[Text | str]:
    parts: list[Text | str] = []
    for index, line in enumerate(lines):
        parts.extend((separator, line) if index else (line,))
    return parts


def _output(output: OutputStatus, status: JobStatus) -> str:
    """Exactly what reached the destination."""
    where = output.destination
    if output.total is None:
        if status.status == "Completed":
            return where
        if status.folder is not None:
            return f"not uploaded; files stay in {status.folder}/hosts"
        return f"{where}  (the job is {status.status}: may be partial or missing)"
    done = output.uploaded or 0
    if done == output.total:
        return f"{where} ({done} of {output.total} objects)"
    if done == 0:
        return f"not uploaded ({output.total} objects); files stay in {status.folder}/hosts"
    return (f"{where}: {done} of {output.total} objects uploaded before the failure: the destination is incomplete; "
            f"all files stay in {status.folder}/hosts")


def _instances(request: Mapping[str, Any]) -> str | None:
    cluster = request.get("ProcessingResources", {}).get("ClusterConfig")
    return f"{cluster['InstanceCount']} x {cluster['InstanceType']}" if cluster else None


def _time(moment: datetime | None) -> str:
    return moment.isoformat(timespec="milliseconds") if moment is not None else ""
