"""The local backend: one JobDefinition run on the local Docker engine the way SageMaker runs it.

    validate -> job folder -> config files + inputs per host (File: copies; Pipe: manifest + FIFO)
    -> containers on a private network + Pipe feeders -> supervise (failures, max runtime, stop,
    Ctrl-C, feeder faults) -> outcome -> EndOfJob upload -> job.json

A definition the service would reject raises JobDefinitionError before anything is created, as
CreateProcessingJob's ValidationException does. Anything that goes wrong after the job exists ends
in a job record with status Failed and a FailureReason, as on SageMaker, never in a half-finished job
reported as Completed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from launcher.definition import DEFAULT_MAX_RUNTIME_IN_SECONDS, JobDefinition, resolve_job_name
from launcher.errors import JobExistsError, LauncherError
from launcher.local import record as records
from launcher.local.cluster import Cluster, ClusterSpec, HostSpec, check_image, engine
from launcher.local.credentials import CredentialsEndpoint
from launcher.local.credentials import serve as serve_credentials
from launcher.local.feeder import PipeFeeder, pipe_channels
from launcher.local.hostconfig import job_arn, write_host_files
from launcher.local.logs import LogFollower
from launcher.local.outcome import Outcome, decide
from launcher.local.outputs import ContinuousUploader, upload_outputs
from launcher.local.record import HostRecord, JobRecord
from launcher.local.staging import stage_file_inputs
from launcher.local.supervisor import Limits, RunResult, Supervisor
from launcher.local.workspace import JobWorkspace, host_names
from launcher.request import to_create_processing_job_request
from launcher.storage.client import LazyS3Client
from launcher.storage.errors import StorageError
from launcher.validation import validate

DEFAULT_REGION = "us-east-1"
DEFAULT_STOP_GRACE_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class LocalOptions:
    jobs_dir: Path
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None  # S3 endpoint for s3:// inputs and outputs (a moto server in tests)
    stop_grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS
    continuous_interval_seconds: float = 1.0
    echo_logs: bool = True
    # Passes over each Pipe input (FIFOs <name>_0 ... _<n-1>), each offered once the previous is consumed.
    pipe_epochs: int = 1


class RecordKeeper:
    """The one writer of job.json; hosts' threads report phases and exits through it."""

    def __init__(self, record: JobRecord, workspace: JobWorkspace) -> None:
        self.record = record
        self.workspace = workspace
        self._lock = threading.Lock()
        self.save()

    def save(self) -> None:
        records.save(self.record, self.workspace.record_file)

    def update(self, change: Callable[[JobRecord], JobRecord]) -> None:
        with self._lock:
            self.record = change(self.record)
            self.save()

    def phase(self, host: str, phase: str, edge: int) -> None:
        """Stamp the start (edge 0) or end (edge 1) of one host's phase."""

        def stamp(current: JobRecord) -> JobRecord:
            old = current.host(host)
            times = list(old.phases.get(phase, [records.now(), records.now()]))
            times[edge] = records.now()
            return current.with_host(replace(old, phases={**old.phases, phase: times}))

        self.update(stamp)

    def phase_all(self, hosts: tuple[str, ...], phase: str, edge: int) -> None:
        for host in hosts:
            self.phase(host, phase, edge)

    def host_exit(self, host: str, code: int) -> None:
        self.phase(host, "running", 1)
        self.update(lambda r: r.with_host(replace(r.host(host), exit_code=code)))

    def finish(self, outcome: Outcome) -> JobRecord:
        self.update(lambda r: replace(r, status=outcome.status, failure_reason=outcome.failure_reason,
                                      exit_message=outcome.exit_message, end_time=records.now()))
        return self.record


class LocalBackend:
    name = "local"

    def __init__(self, options: LocalOptions, console: Console | None = None) -> None:
        self.options = options
        self.console = console

    def run(self, definition: JobDefinition) -> JobRecord:
        job = definition.normalized()
        validate(job)
        name = resolve_job_name(job)
        workspace = self._create_workspace(name)
        request = to_create_processing_job_request(job, name)
        records.save_request(request, workspace.request_file)
        hosts = host_names(job.instance_count)
        arn = job_arn(self.options.region, name)
        keeper = RecordKeeper(
            JobRecord(job_name=name, job_arn=arn, backend=self.name, status="InProgress", image_uri=job.image_uri,
                      workspace=str(workspace.folder), creation_time=records.now(),
                      hosts=tuple(HostRecord(h) for h in hosts), launcher_pid=os.getpid(),
                      outputs={o.output_name: o.destination for o in job.outputs}),
            workspace,
        )
        try:
            with serve_credentials(self._notice) as credentials:  # for the job's lifetime, as on SageMaker
                outcome = self._run(job, request, arn, workspace, hosts, keeper, credentials)
        except KeyboardInterrupt:
            keeper.finish(Outcome("Stopped", "Stopped: interrupted from the launcher (Ctrl-C)", None))
            raise
        except (LauncherError, StorageError) as error:
            outcome = Outcome("Failed", f"ClientError: {error}", None)
        finished = keeper.finish(outcome)
        if outcome.interrupted:
            raise KeyboardInterrupt
        return finished

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

    def _run(self, job: JobDefinition, request: dict[str, object], arn: str, workspace: JobWorkspace,
             hosts: tuple[str, ...], keeper: RecordKeeper, credentials: CredentialsEndpoint | None) -> Outcome:
        client = engine(len(hosts))
        check_image(client, job.image_uri)
        s3 = LazyS3Client(self.options.endpoint_url, self.options.region)
        write_host_files(workspace, job, request, arn, hosts)
        spec = ClusterSpec(
            job_name=keeper.record.job_name, image=job.image_uri, entrypoint=job.entrypoint, arguments=job.arguments,
            hosts=tuple(HostSpec(h, workspace.host_ml(h), self._environment(job, credentials)) for h in hosts))
        uploader = ContinuousUploader(workspace, hosts, job.outputs, s3, self.options.continuous_interval_seconds)
        keeper.phase_all(hosts, "staging", 0)
        plans = stage_file_inputs(job.inputs, workspace, hosts, s3,
                                  on_host_done=lambda h: keeper.phase(h, "staging", 1))
        feeder = PipeFeeder(pipe_channels(job.inputs, plans, workspace), s3, epochs=self.options.pipe_epochs)
        feeder.prepare()  # manifests and FIFOs exist before any entrypoint runs
        try:
            cluster = Cluster(client, spec).open()
        except BaseException:
            feeder.stop()  # removes the FIFOs
            raise
        try:
            with feeder:  # stopped once every container has exited
                result = self._execute(job, workspace, hosts, keeper, cluster, uploader, feeder)
            oom = {h for h, code in result.exit_codes.items() if code == 137 and cluster.oom_killed(h)}
        except BaseException:
            cluster.remove()
            raise
        teardown = threading.Thread(target=cluster.remove, name="teardown")  # overlaps with the upload
        teardown.start()
        try:
            outcome = decide(result, self._messages(workspace, hosts), oom)
            if feeder.error is not None:  # the data was cut: Failed, whatever the containers made of it
                outcome = Outcome("Failed", feeder.error.failure_reason, outcome.exit_message)
            if outcome.status == "Completed":
                outcome = self._upload(job, workspace, hosts, s3, uploader, keeper, outcome)
        finally:
            teardown.join()
        return outcome

    def _execute(self, job: JobDefinition, workspace: JobWorkspace, hosts: tuple[str, ...], keeper: RecordKeeper,
                 cluster: Cluster, uploader: ContinuousUploader, feeder: PipeFeeder) -> RunResult:
        followers = LogFollower(self.console if self.options.echo_logs else None)
        keeper.phase_all(hosts, "running", 0)
        cluster.start()
        feeder.start()
        for host in hosts:
            followers.follow(host, cluster.log_stream(host), workspace.log_file(host))
        uploader.start()
        limits = Limits(job.max_runtime_in_seconds or DEFAULT_MAX_RUNTIME_IN_SECONDS, self.options.stop_grace_seconds)
        try:
            return Supervisor(cluster, hosts, limits,
                              stop_requested=lambda: feeder.failed or workspace.stop_marker.exists(),
                              on_exit=keeper.host_exit).run()
        finally:
            uploader.stop()
            followers.join()

    @staticmethod
    def _upload(job: JobDefinition, workspace: JobWorkspace, hosts: tuple[str, ...], s3: LazyS3Client,
                uploader: ContinuousUploader, keeper: RecordKeeper, outcome: Outcome) -> Outcome:
        keeper.phase_all(hosts, "uploading", 0)
        try:
            if uploader.error is not None:
                raise uploader.error
            upload_outputs(workspace, hosts, job.outputs, s3, skip=uploader.sent)
        except (LauncherError, StorageError) as error:
            return Outcome("Failed", f"ClientError: uploading outputs failed: {error}", outcome.exit_message)
        finally:
            keeper.phase_all(hosts, "uploading", 1)
        return outcome

    def _environment(self, job: JobDefinition, credentials: CredentialsEndpoint | None) -> dict[str, str]:
        """The job's env plus the region and the credentials endpoint, as SageMaker sets them; the host's AWS
        keys are never copied. The S3 endpoint override goes in as it is: it must be reachable from containers
        (127.0.0.1 is the container's own loopback; bind the server to 169.254.170.2 or 0.0.0.0)."""
        endpoint_url = self.options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        return {**({"AWS_ENDPOINT_URL": endpoint_url} if endpoint_url else {}), **job.env,
                "AWS_REGION": self.options.region, "AWS_DEFAULT_REGION": self.options.region,
                **(credentials.environment() if credentials is not None else {})}

    def _notice(self, line: str) -> None:
        if self.console is not None:
            self.console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)

    @staticmethod
    def _messages(workspace: JobWorkspace, hosts: tuple[str, ...]) -> dict[str, str]:
        found = {}
        for host in hosts:
            file = workspace.message_file(host)
            if file.is_file():
                found[host] = file.read_bytes().decode("utf-8", errors="replace")
        return found
