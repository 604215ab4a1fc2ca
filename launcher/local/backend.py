"""The local backend: SageMaker Processing jobs on the local Docker engine, behind the Backend protocol.

    submit: validate -> engine answers? -> job folder, request.json, job.json (InProgress) -> supervisor
            (launch.py: a detached process or a thread) runs the job (job.py) to its recorded end
    describe / list / wait / logs: read job.json and the hosts' events files, ending first any job
            whose supervisor died (reconcile.py)
    stop:   write the stop request the supervisor acts on (stopping.py)

A definition the service would reject raises JobDefinitionError before anything is created, as
CreateProcessingJob's ValidationException does, and no engine raises EngineError (nothing created).
Anything that goes wrong once the job exists ends in a record with status Failed and a FailureReason,
as on SageMaker, never in a half-finished job reported as Completed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from launcher.backend import NOTICE_HOST, JobStatus, LogEvent, StopCause
from launcher.definition import JobDefinition, resolve_job_name
from launcher.errors import JobDefinitionError, JobExistsError, JobNotFoundError, JobStateError, Problem, UsageError
from launcher.local import record as records
from launcher.local.changes import RecordChanges
from launcher.local.hostconfig import job_arn
from launcher.local.keeper import RecordKeeper
from launcher.local.launch import detached, in_thread, take_lock
from launcher.local.logs import EventSource, EventsReader, read_events
from launcher.local.options import LocalOptions, Supervision
from launcher.local.reconcile import EndWatch, reconciled
from launcher.local.record import HostRecord, JobRecord, OutputRecord
from launcher.local.status import job_status
from launcher.local.stopping import read_stop_request, request_stop
from launcher.local.workspace import JobWorkspace, host_names
from launcher.request import to_create_processing_job_request
from launcher.validation import validate

WAIT_POLL_SECONDS = 0.02


class LocalBackend:
    name = "local"
    interrupt_stops_job = True
    reports_transfers = True

    def __init__(self, options: LocalOptions) -> None:
        # Resolved: a job's folder labels what it makes in the engine, the same however the folder is reached.
        self.options = replace(options, jobs_dir=options.jobs_dir.resolve())

    def request_for(self, definition: JobDefinition) -> dict[str, Any]:
        job = definition.normalized()
        validate(job)
        refuse_channels_not_emulated(job)
        return to_create_processing_job_request(job, resolve_job_name(job))

    def submit(self, definition: JobDefinition) -> str:
        started = time.perf_counter()
        job = definition.normalized()
        validate(job)
        refuse_channels_not_emulated(job)
        name = resolve_job_name(job)
        request = to_create_processing_job_request(job, name)
        validated = time.perf_counter() - started
        from launcher.local.cluster import engine

        engine().close()  # no engine, no job: EngineError before anything is created
        workspace = self._create_workspace(name)
        lock = take_lock(workspace)
        records.save_request(request, workspace.request_file)
        hosts = host_names(job.instance_count)
        arn = job_arn(self.options.region, name)
        keeper = RecordKeeper(
            JobRecord(job_name=name, job_arn=arn, status="InProgress", image_uri=job.image_uri,
                      workspace=str(workspace.folder), creation_time=records.now(),
                      hosts=tuple(HostRecord(h) for h in hosts),
                      outputs=tuple(OutputRecord(o.output_name, o.destination) for o in job.outputs
                                    if o.output_name is not None and o.destination is not None),
                      timings={"validate": validated}),
            workspace,
        )
        from launcher.local.job import JobRun

        run = JobRun(job, request, arn, workspace, hosts, self.options, keeper)

        def supervise() -> None:
            keeper.update(lambda r: replace(r, supervisor_pid=os.getpid()))
            run.run()

        if self.options.supervision is Supervision.DETACHED:
            detached(lock, supervise, workspace, then=self.options.after_job)
        else:
            in_thread(lock, supervise, workspace)
        return name

    def describe(self, job_name: str) -> JobStatus:
        return self._status(self._workspace(job_name))

    def logs(self, job_name: str, host: str | None = None, follow: bool = False) -> Iterator[LogEvent]:
        workspace = self._workspace(job_name)
        record = records.load(workspace.record_file)
        names = [h.name for h in record.hosts]
        if host is not None and host not in names:
            raise UsageError(f"job {job_name!r} has no host {host!r} (hosts: {', '.join(names)})")
        sources: list[EventSource] = [EventsReader(h, workspace.events_file(h)) for h in ([host] if host else names)]
        if host is None:
            sources.insert(0, _NoticeReader(workspace))
        if not follow:
            return read_events(sources, follow=False, finished=EndWatch(workspace).ended)
        return _followed(sources, workspace)

    def wait(self, job_name: str) -> JobStatus:
        workspace = self._workspace(job_name)
        watch = EndWatch(workspace)
        if not watch.ended():  # a job followed to its end (`byoc run`) needs no watch
            with RecordChanges(workspace) as changes:
                while not watch.ended():
                    changes.pause(WAIT_POLL_SECONDS)
        return self._status(workspace)

    def stop(self, job_name: str, cause: StopCause = StopCause.REQUESTED, *, kill: bool = False) -> None:
        workspace = self._workspace(job_name)
        record = reconciled(workspace)
        if record.is_terminal:
            raise JobStateError(f"job {job_name!r} already ended: {record.status}")
        request_stop(workspace, cause, kill=kill)

    def list(self) -> list[JobStatus]:
        found = []
        for record_file in self.options.jobs_dir.glob("*/job.json"):
            found.append(self._status(JobWorkspace(record_file.parent)))
        return sorted(found, key=lambda status: status.creation_time, reverse=True)

    def workspace(self, job_name: str) -> JobWorkspace:
        """The job's folder (for local-only tools: the timeline, `byoc debug`)."""
        return self._workspace(job_name)

    @staticmethod
    def _status(workspace: JobWorkspace) -> JobStatus:
        """The job's status; Stopping as soon as a stop was asked for, before its supervisor acts on it."""
        record = reconciled(workspace)
        if record.status == "InProgress" and read_stop_request(workspace) is not None:
            record = replace(record, status="Stopping")
        return job_status(record, records.load_request(workspace.request_file))

    def _workspace(self, job_name: str) -> JobWorkspace:
        workspace = JobWorkspace(self.options.jobs_dir / job_name)
        if not workspace.record_file.is_file():
            raise JobNotFoundError(f"no job named {job_name!r} in {self.options.jobs_dir} (see `byoc list`)")
        return workspace

    def _create_workspace(self, name: str) -> JobWorkspace:
        folder = self.options.jobs_dir / name
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            raise JobExistsError(
                f"job_name {name!r} already exists in {self.options.jobs_dir} (job names are unique, as on "
                "SageMaker): choose another job_name, or use base_job_name for a timestamped one"
            ) from None
        return JobWorkspace(folder)


def _followed(sources: list[EventSource], workspace: JobWorkspace) -> Iterator[LogEvent]:
    """The job's events until its end, which is seen as soon as its record says so."""
    with RecordChanges(workspace) as changes:
        yield from read_events(sources, follow=True, finished=EndWatch(workspace).ended, pause=changes.pause)


class _NoticeReader:
    """The notices a job's record has gathered, each returned once, as the backend's own log lines."""

    def __init__(self, workspace: JobWorkspace) -> None:
        self.workspace = workspace
        self.seen = 0
        self._record: tuple[int, int, int] | None = None  # the record's last stamp read (record.stamp)

    def read(self) -> list[LogEvent]:
        record = records.stamp(self.workspace.record_file)
        if record == self._record:
            return []  # not read again: a follower asks many times a second
        self._record = record
        notices = records.load(self.workspace.record_file).notices
        stamp = int(time.time() * 1000)
        fresh = [LogEvent(NOTICE_HOST, stamp, text) for text in notices[self.seen:]]
        self.seen = len(notices)
        return fresh


def refuse_channels_not_emulated(job: JobDefinition) -> None:
    """Inputs and outputs with no container path (app-managed ones may leave it out): this backend stages every
    input and collects every S3 output through one, so it refuses them clearly instead of running a wrong job."""
    problems = [Problem(f"inputs[{i}].dataset_definition.local_path", "the local backend needs it: it stages the "
                                                                      "query's stand-in (local_source) there")
                for i, item in enumerate(job.inputs)
                if item.dataset_definition is not None and item.dataset_definition.local_path is None]
    problems += [Problem(f"inputs[{i}].destination", "the local backend needs it: it stages every input")
                 for i, item in enumerate(job.inputs) if item.dataset_definition is None and item.destination is None]
    problems += [Problem(f"outputs[{i}].source", "the local backend needs it: it collects every output")
                 for i, item in enumerate(job.outputs) if item.feature_store_output is None and item.source is None]
    if problems:
        raise JobDefinitionError(problems)
