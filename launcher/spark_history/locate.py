"""Where a Spark job's event logs are, read from the job's CreateProcessingJob request.

The Spark image takes the SDK's options (`smspark-submit` and `spark-app`):
`--local-spark-event-logs-dir D` writes the logs into D inside the container, and PySparkProcessor's
`spark_event_logs_s3_uri` adds exactly that plus an output of D (Continuous upload) to the URI;
`--spark-event-logs-s3-uri U` and `--conf spark.eventLog.dir=U` write them to U directly.

For D: a local job's hosts' copies of D in its job folder (there even when the job failed and nothing
was uploaded, and growing while it runs), else the destination of the output whose LocalPath is D.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from launcher.errors import UsageError
from launcher.local.workspace import CONTAINER_ML, JobWorkspace
from launcher.storage.locations import LocalLocation, Location, parse_location

LOCAL_DIR_OPTION = "--local-spark-event-logs-dir"
S3_URI_OPTION = "--spark-event-logs-s3-uri"
EVENT_LOG_DIR = "spark.eventLog.dir"
SDK_DEFAULT_DIR = "/opt/ml/processing/spark-events/"


class NoEventLogsError(UsageError):
    """The job says nothing of Spark event logs, or they are not where it says."""


def event_log_locations(job_name: str, request: Mapping[str, Any], job_folder: str | None) -> list[Location]:
    """The folders or S3 prefixes holding the job's event logs; NoEventLogsError if the job names none."""
    app = request.get("AppSpecification", {})
    words = [*app.get("ContainerEntrypoint", []), *app.get("ContainerArguments", [])]
    written = _option(words, S3_URI_OPTION) or _conf(words, EVENT_LOG_DIR)
    if written and not written.startswith("file:"):
        return [parse_location(written.replace("s3a://", "s3://", 1))]
    local_dir = _option(words, LOCAL_DIR_OPTION) or (written.removeprefix("file://").removeprefix("file:")
                                                     if written else None)
    if local_dir is None:
        raise NoEventLogsError(
            f"job {job_name!r} wrote no Spark event logs: its command has neither {LOCAL_DIR_OPTION}, "
            f"{S3_URI_OPTION} nor --conf {EVENT_LOG_DIR}=...; run it with `{LOCAL_DIR_OPTION} {SDK_DEFAULT_DIR}` "
            "and an output of that folder (what PySparkProcessor.run(spark_event_logs_s3_uri=...) sends), "
            "or point --event-logs at the logs")
    copies = _host_copies(Path(job_folder), local_dir) if job_folder is not None else []
    if copies:
        return copies
    destination = _output_destination(request, local_dir)
    if destination is None:
        raise NoEventLogsError(
            f"job {job_name!r} writes its Spark event logs to {local_dir} in the container, but no output takes "
            f"that folder out: add an output with source {local_dir}, or point --event-logs at the logs")
    return [parse_location(destination)]


def _host_copies(folder: Path, local_dir: str) -> list[Location]:
    path = PurePosixPath(local_dir)
    if not path.is_relative_to(CONTAINER_ML):
        return []
    workspace = JobWorkspace(folder)
    return [LocalLocation(copy) for host in workspace.hosts()
            if (copy := workspace.host_path(host, path)).is_dir() and any(copy.iterdir())]


def _output_destination(request: Mapping[str, Any], local_dir: str) -> str | None:
    for output in request.get("ProcessingOutputConfig", {}).get("Outputs", []):
        s3_output = output.get("S3Output") or {}
        if s3_output.get("LocalPath", "").rstrip("/") == local_dir.rstrip("/"):
            uri: str = s3_output["S3Uri"]
            return uri
    return None


def _option(words: Sequence[str], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    return None


def _conf(words: Sequence[str], key: str) -> str | None:
    for index, word in enumerate(words[:-1]):
        if word == "--conf" and words[index + 1].startswith(f"{key}="):
            return words[index + 1].split("=", 1)[1]
    return None
