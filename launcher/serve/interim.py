"""TEMPORARY, until the local backend implements `launcher.backend.Backend` and `launcher.request` has
`definition_from_request`: both are replaced at merge by the real ones and this module is deleted.

`definition_from_request` is the inverse of `launcher.request.to_create_processing_job_request` for the
fields the definition holds today. `InterimLocalBackend` runs today's blocking `LocalBackend.run` on a thread
per job and reads the job folder for describe, logs, stop and list.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from launcher.backend import HostStatus, JobStatus, LogEvent, StopCause
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput, resolve_job_name
from launcher.errors import JobExistsError, JobNotFoundError, JobStateError
from launcher.local import record as records
from launcher.local.backend import LocalBackend, LocalOptions
from launcher.local.workspace import JobWorkspace
from launcher.request import to_create_processing_job_request
from launcher.validation import validate


def definition_from_request(request: Mapping[str, Any]) -> JobDefinition:
    app = request["AppSpecification"]
    cluster = request["ProcessingResources"]["ClusterConfig"]
    inputs = tuple(
        ProcessingInput(source=i["S3Input"]["S3Uri"], destination=i["S3Input"]["LocalPath"], input_name=i["InputName"],
                        s3_data_type=i["S3Input"].get("S3DataType", "S3Prefix"),
                        s3_input_mode=i["S3Input"].get("S3InputMode", "File"),
                        s3_data_distribution_type=i["S3Input"].get("S3DataDistributionType", "FullyReplicated"),
                        s3_compression_type=i["S3Input"].get("S3CompressionType", "None"))
        for i in request.get("ProcessingInputs", []))
    outputs = tuple(
        ProcessingOutput(source=o["S3Output"]["LocalPath"], destination=o["S3Output"]["S3Uri"],
                         output_name=o["OutputName"], s3_upload_mode=o["S3Output"].get("S3UploadMode", "EndOfJob"))
        for o in request.get("ProcessingOutputConfig", {}).get("Outputs", []))
    entrypoint, arguments = app.get("ContainerEntrypoint"), app.get("ContainerArguments")
    return JobDefinition(
        image_uri=app["ImageUri"], role=request.get("RoleArn"), instance_count=cluster["InstanceCount"],
        instance_type=cluster["InstanceType"], volume_size_in_gb=cluster["VolumeSizeInGB"],
        entrypoint=tuple(entrypoint) if entrypoint is not None else None,
        arguments=tuple(arguments) if arguments is not None else None,
        env=dict(request.get("Environment", {})), job_name=request["ProcessingJobName"],
        max_runtime_in_seconds=request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds"),
        inputs=inputs, outputs=outputs)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class InterimLocalBackend:
    name = "local"
    interrupt_stops_job = True

    def __init__(self, options: LocalOptions) -> None:
        self.options = options
        self._backend = LocalBackend(replace(options, echo_logs=False))
        self._lock = threading.Lock()

    def request_for(self, definition: JobDefinition) -> dict[str, Any]:
        return to_create_processing_job_request(definition, resolve_job_name(definition))

    def submit(self, definition: JobDefinition) -> str:
        job = definition.normalized()
        validate(job)
        name = resolve_job_name(job)
        job = replace(job, job_name=name)
        workspace = JobWorkspace(self.options.jobs_dir / name)
        with self._lock:
            if workspace.folder.exists():
                raise JobExistsError(f"job_name {name!r} already exists (job names are unique, as on SageMaker)")
            thread = threading.Thread(target=self._run, args=(job,), name=f"job-{name}", daemon=True)
            thread.start()
            while not workspace.record_file.exists() and thread.is_alive():
                time.sleep(0.005)
        return name

    def _run(self, job: JobDefinition) -> None:
        with contextlib.suppress(BaseException):  # the record says Failed/Stopped; no one to raise to
            self._backend.run(job)

    def describe(self, job_name: str) -> JobStatus:
        workspace = JobWorkspace(self.options.jobs_dir / job_name)
        try:
            record = records.load(workspace.record_file)
        except (FileNotFoundError, json.JSONDecodeError):
            raise JobNotFoundError(f"no job named {job_name!r}") from None
        request = json.loads(workspace.request_file.read_text()) if workspace.request_file.exists() else {}
        status = record.status
        if status == "InProgress" and workspace.stop_marker.exists():
            status = "Stopping"
        started = min((p["staging"][0] for h in record.hosts for p in [h.phases] if "staging" in p), default=None)
        modified = datetime.fromtimestamp(workspace.record_file.stat().st_mtime).astimezone()
        return JobStatus(
            job_name=record.job_name, job_arn=record.job_arn, status=status,
            creation_time=datetime.fromisoformat(record.creation_time), request=request,
            failure_reason=record.failure_reason, exit_message=record.exit_message, last_modified_time=modified,
            start_time=_time(started) or datetime.fromisoformat(record.creation_time),
            end_time=_time(record.end_time), hosts=tuple(HostStatus(h.name, h.exit_code) for h in record.hosts),
            folder=str(workspace.folder))

    def logs(self, job_name: str, host: str | None = None, follow: bool = False) -> Iterator[LogEvent]:
        status = self.describe(job_name)
        workspace = JobWorkspace(self.options.jobs_dir / job_name)
        stamp = int((status.start_time or status.creation_time).timestamp() * 1000)
        for each in status.hosts:
            if host is not None and each.name != host:
                continue
            file = workspace.log_file(each.name)
            if not file.exists():
                continue
            text = file.read_bytes().decode("utf-8", errors="replace")
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            for line in lines:
                yield LogEvent(each.name, stamp, line.rstrip("\r"))

    def wait(self, job_name: str) -> JobStatus:
        while not (status := self.describe(job_name)).is_terminal:
            time.sleep(0.2)
        return status

    def stop(self, job_name: str, cause: StopCause = StopCause.REQUESTED) -> None:
        status = self.describe(job_name)
        if status.is_terminal:
            raise JobStateError(f"job {job_name!r} has ended ({status.status}); there is nothing to stop")
        JobWorkspace(self.options.jobs_dir / job_name).stop_marker.touch()

    def list(self) -> list[JobStatus]:
        found = []
        root: Path = self.options.jobs_dir
        for folder in root.iterdir() if root.exists() else ():
            try:
                found.append(self.describe(folder.name))
            except JobNotFoundError:
                continue
        return sorted(found, key=lambda s: s.creation_time, reverse=True)
