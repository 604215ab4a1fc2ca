"""One local job from its creation to its recorded end, run by its supervisor (see `launch.py`).

    the job as it runs here (emulation.py: stand-ins, notices) -> limits of its instance type (resources.py)
    -> image and destinations checked, bind mounts or volumes chosen (placement.py)
    -> config files + inputs per host (stage; the volume size checked before anything is copied; Pipe:
    manifest + FIFO), a multi-host (or isolated: internal) job's network made meanwhile, and the launcher's
    AWS credentials resolved (credentials.py; a notice if there are none)
    -> containers (create; with credentials, each host's sidecar) -> start
    -> supervise until every host exited (run; the credentials' lease renewed meanwhile)
    -> volumes: outputs + exit messages copied out (collect)
    -> outcome -> containers and volumes removed (teardown) while outputs go out (upload) -> job.json finished

A fault found before the containers start (an image that is missing, bind mounts forced on an engine
that does not see the job folder (`placement.py`), a destination that cannot be written, an input that
matches nothing or does not fit the volume, a query input without a stand-in, GPUs the engine lacks)
fails the job with the service's `ClientError` and the fault's own exit code; nothing is left running.
Whatever happens, the record ends terminal: an unexpected exception is recorded as an internal error
before it is re-raised for the supervisor's log.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from launcher.backend import StopCause
from launcher.definition import DEFAULT_MAX_RUNTIME_IN_SECONDS, JobDefinition
from launcher.errors import EXIT_FAILED, LauncherError
from launcher.instance_types import instance_type
from launcher.local import emulation
from launcher.local.cluster import (
    LABEL_FOLDER,
    LABEL_JOB,
    Cluster,
    ClusterSpec,
    HostSpec,
    check_image,
    clear,
    engine,
    engine_capacity,
    engine_info,
    image_missing,
)
from launcher.local.credentials import (
    FULL_URI_ENV,
    ISOLATED,
    TOKEN_ENV,
    CredentialsResolver,
    JobCredentials,
    LeaseRenewal,
)
from launcher.local.explaining import hints_for, warnings_for
from launcher.local.hostfiles import Feeder, HostFiles, JobFiles
from launcher.local.keeper import RecordKeeper
from launcher.local.logs import LogPump
from launcher.local.opens import OpenWatch, file_input_folders
from launcher.local.options import Keep, LocalOptions, Staging
from launcher.local.outcome import Outcome, client_error, decide
from launcher.local.outputs import ContinuousUploader, upload_outputs
from launcher.local.placement import host_files
from launcher.local.progress import Meter, Meters
from launcher.local.resources import HostResources, host_resources
from launcher.local.staging import InputPlans
from launcher.local.stopping import read_stop_request
from launcher.local.supervisor import Limits, RunResult, StopRequest, Supervisor, stop_reason
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import LazyS3Client
from launcher.storage.destinations import check_destination
from launcher.storage.locations import S3Location, parse_location


class _StoppedEarly(Exception):
    """A stop was requested before the containers started: nothing to stop, the job simply ends."""


class JobRun:
    def __init__(self, job: JobDefinition, request: dict[str, Any], arn: str, workspace: JobWorkspace,
                 hosts: tuple[str, ...], options: LocalOptions, keeper: RecordKeeper) -> None:
        self.definition = job  # as submitted; `job` is what runs here (emulation.py)
        self.job = job = emulation.local_definition(job)
        self.request = request
        self.arn = arn
        self.workspace = workspace
        self.hosts = hosts
        self.options = options
        self.keeper = keeper
        self.client: Any = None  # docker-py's, made by the supervisor (one made before a fork is not to be shared)
        self.s3 = LazyS3Client(options.endpoint_url, options.region)
        self.files: HostFiles | None = None  # chosen once the engine answers
        self.uploader = ContinuousUploader(workspace, hosts, job.outputs, self.s3, options.continuous_interval_seconds,
                                           refresh=self._refresh_outputs, on_progress=keeper.uploaded)

    def run(self) -> None:
        """Run the job to its end and record it; never leaves the record InProgress."""
        try:
            outcome = self._outcome()
        except BaseException as error:
            self.keeper.finish(Outcome("Failed", f"InternalServerError: the launcher failed ({type(error).__name__}: "
                                                 f"{error}); see {self.workspace.supervisor_log}", None))
            raise
        finally:
            if self.client is not None:
                self.client.close()  # its connections to the engine: a supervisor may linger (launcher/cli/warm.py)
        self.keeper.finish(outcome)

    def _outcome(self) -> Outcome:
        try:
            return self._run()
        except _StoppedEarly as stopped:
            return Outcome("Stopped", str(stopped), None)
        except LauncherError as error:
            return client_error(str(error), error.exit_code)

    def _run(self) -> Outcome:
        job, hosts, keeper = self.job, self.hosts, self.keeper
        keeper.since_creation("launch")  # the supervisor's start: forked, running
        locations = [i.source for i in job.inputs] + [o.destination for o in job.outputs]
        if any(isinstance(parse_location(where), S3Location) for where in locations if where):
            self.s3.warm()  # while the engine is asked about the image and the folders
        with keeper.timed("stage"):
            for line in emulation.notices(self.definition, self.workspace):
                keeper.notice(line)
            emulation.check_stand_ins(self.definition)
            self.client = client = engine(len(hosts))
            isolated = emulation.is_isolated(job)  # an isolated job's containers get no credentials
            resolver = None if isolated else CredentialsResolver(self.options.credentials_image,
                                                                 lambda image: image_missing(client, image),
                                                                 self.options.reuse_aws_session)
            info = engine_info(client)  # the engine's size and where it runs
            resources = host_resources(instance_type(job.instance_type), len(hosts), engine_capacity(info),
                                       keeper.notice, limits=self.options.resource_limits,
                                       gpu_fallback=self.options.gpu_fallback)
            check_image(client, job.image_uri)
            for output in job.outputs:
                assert output.destination is not None, "an S3 output of a validated definition has a destination"
                check_destination(parse_location(output.destination), self.s3)
            # Before anything is written for the containers: bind mounts only where the engine sees them.
            self.files = host_files(client, info, JobFiles(job, self.request, self.arn, self.workspace, hosts, self.s3,
                                                     self.options.pipe_epochs, self.options.sample_objects,
                                                     emulation.kept_folders(self.definition)),
                                    keeper.record.job_name, self.options.staging, keeper.notice,
                                    layered_inputs=self.options.layered_inputs)
        try:
            cluster = Cluster(client, self._cluster_spec(self.files, None, resources))
            return self._run_staged(cluster, self.files, resolver, resources)
        finally:
            self.files.remove()  # done by the teardown unless the job ended before it

    def _run_staged(self, cluster: Cluster, files: HostFiles, resolver: CredentialsResolver | None,
                    resources: HostResources) -> Outcome:
        job, hosts, keeper = self.job, self.hosts, self.keeper
        feeder: Feeder | None = None
        renewal: LeaseRenewal | None = None
        try:
            with keeper.timed("stage"):
                cluster.open()  # a multi-host (or isolated) job's network is made while its hosts are staged
                keeper.phase_all(hosts, "staging", 0)
                if self.options.sample_objects is not None:
                    keeper.notice(f"inputs sampled: each host gets at most the first {self.options.sample_objects} "
                                  "objects of its share of each input")
                plans = files.stage(lambda h: keeper.phase(h, "staging", 1), input_meters(keeper))
                feeder = files.feeder(plans)
            self._check_stop()
            with keeper.timed("credentials"):  # only what staging did not overlap
                credentials = resolver.result(keeper.notice) if resolver is not None else None
            if resolver is None:
                keeper.notice(ISOLATED)
            environment = self._environment(credentials)
            keeper.update(lambda r: replace(r, environment={k: v for k, v in environment.items()
                                                            if k not in (FULL_URI_ENV, TOKEN_ENV)},
                                            staging=files.mode.value))  # for `byoc debug`: no secrets
            cluster.respec(self._cluster_spec(files, credentials, resources))
            renewal = LeaseRenewal(credentials, cluster.put_in_sidecars) if credentials is not None else None
            feeder.prepare()  # manifests and FIFOs exist before any entrypoint runs
            # Opens of File-mode inputs are seen only through a bind mount; with volumes nothing is said of them.
            opens = OpenWatch(file_input_folders(job.inputs, plans, self.workspace) if files.sees_opens else {})
            if self.options.on_staged is not None:
                self.options.on_staged(self.workspace.folder)
            with keeper.timed("create"):
                cluster.create()
            self._check_stop()
            if renewal is not None:
                renewal.start()
            with feeder, opens:  # stopped once every container has exited
                result = self._execute(cluster, feeder)
            oom = {h for h, code in result.exit_codes.items() if code == 137 and cluster.oom_killed(h)}
            if files.mode is Staging.VOLUME:
                with keeper.timed("collect"):
                    files.collect()  # outputs and exit messages into the job folder, before the volumes go
        except BaseException:
            if feeder is not None:
                feeder.stop()  # removes the FIFOs (bind) or the feeder containers (volume)
            if renewal is not None:
                renewal.stop()
            cluster.remove()
            raise
        if renewal is not None:
            renewal.stop()  # the hosts have exited: their sidecars go with them in the teardown
        teardown = threading.Thread(target=self._teardown, args=(cluster, files, self._kept(result, cluster)),
                                    name="teardown")
        teardown.start()  # overlaps with the upload
        try:
            messages = self._messages()
            outcome = decide(result, messages, oom)
            if feeder.error is not None:  # the data was cut: Failed, whatever the containers made of it
                outcome = Outcome("Failed", feeder.error.failure_reason, outcome.exit_message)
            if outcome.status == "Completed":
                with keeper.timed("upload"):
                    outcome = self._upload(outcome)
            self._explain(outcome, result, messages, plans, feeder.opened, opens.opened())
        finally:
            teardown.join()
        return outcome

    def _execute(self, cluster: Cluster, feeder: Feeder) -> RunResult:
        keeper, hosts = self.keeper, self.hosts
        uploader = self.uploader
        pumps = LogPump()
        keeper.phase_all(hosts, "running", 0)
        with keeper.timed("start"):
            cluster.start()
        keeper.started()
        feeder.start()
        for host in hosts:
            pumps.follow(host, cluster.log_stream(host), self.workspace.log_file(host),
                         self.workspace.events_file(host))
        uploader.start()
        limits = Limits(self.job.max_runtime_in_seconds or DEFAULT_MAX_RUNTIME_IN_SECONDS,
                        self.options.stop_grace_seconds)
        with keeper.timed("run"):  # until every host exited and its last lines are in its log
            try:
                return Supervisor(cluster, hosts, limits, stop_requested=lambda: self._stop_request(feeder),
                                  on_exit=keeper.host_exit, on_stopping=lambda _: keeper.stopping()).run()
            finally:
                uploader.stop()
                pumps.join()

    def _stop_request(self, feeder: Feeder) -> StopRequest | None:
        """A client's request; or, when the Pipe feeder failed, a stop whose reason the feeder's error replaces."""
        request = read_stop_request(self.workspace)
        if request is None and feeder.failed:
            return StopRequest(StopCause.REQUESTED)
        return request

    def _check_stop(self) -> None:
        request = read_stop_request(self.workspace)
        if request is not None:
            raise _StoppedEarly(stop_reason(request.cause))

    def _teardown(self, cluster: Cluster, files: HostFiles, keep: tuple[str, ...]) -> None:
        """Everything of the job out of the engine before its end is recorded (so before `wait` returns).

        Runs in a thread beside the upload: a failure here is told as a notice, not lost with the thread. The
        hosts in `keep` keep their containers (`LocalOptions.keep`).
        """
        name = self.keeper.record.job_name
        with self.keeper.timed("teardown"):
            try:
                cluster.remove(keep=keep)
                files.remove(keep=keep)  # volumes once no container uses them; a kept host's stays
            except Exception as error:  # told below, with what is left
                self.keeper.notice(f"removing the job's containers failed: {error}")
            try:
                left = clear(cluster.client, name, str(self.workspace.folder), keep=keep)
            except Exception as error:  # the engine may be gone: say so; the result stands
                self.keeper.notice(f"could not check that the job left nothing in the engine: {error}")
                return
            if left:
                self.keeper.notice(f"left in the engine after the job: {', '.join(left)}; remove them with "
                                   f"`docker rm -f` / `docker network rm` (labels {LABEL_JOB}={name}, "
                                   f"{LABEL_FOLDER}={self.workspace.folder})")

    def _kept(self, result: RunResult, cluster: Cluster) -> tuple[str, ...]:
        """The hosts whose containers outlive the job (`LocalOptions.keep`: those that exited non-zero in a job
        that failed, or all), each named in a notice."""
        keep = self.options.keep
        failed = keep is Keep.FAILED and result.first_failure is not None
        kept = tuple(h for h in self.hosts if keep is Keep.ALL or (failed and result.exit_codes.get(h)))
        job = self.keeper.record.job_name
        for host in kept if keep is Keep.FAILED else ():
            name = cluster.names[host]
            self.keeper.notice(f"kept {host}'s container {name} (exit code {result.exit_codes[host]}): "
                               f"`docker inspect {name}`, `byoc debug {job} --host {host}`; `byoc clean {job}` "
                               "removes it")
        return kept

    def _upload(self, outcome: Outcome) -> Outcome:
        keeper, hosts = self.keeper, self.hosts
        keeper.phase_all(hosts, "uploading", 0)
        try:
            if self.uploader.error is not None:
                raise self.uploader.error
            upload_outputs(self.workspace, hosts, self.job.outputs, self.s3, skip=self.uploader.sent,
                           on_progress=keeper.uploaded)
        except LauncherError as error:  # the job ran: it Failed (exit 1), whatever the upload's fault was
            failed = client_error(f"uploading outputs failed: {error}", EXIT_FAILED)
            return Outcome(failed.status, failed.failure_reason, outcome.exit_message)
        finally:
            keeper.phase_all(hosts, "uploading", 1)
        return outcome

    def _explain(self, outcome: Outcome, result: RunResult, messages: Mapping[str, str],
                 plans: InputPlans, pipe_opened: frozenset[tuple[str, str]],
                 file_opened: Mapping[tuple[str, str], bool | None]) -> None:
        """Hints for a failure, warnings for a Completed job that did nothing somewhere (launcher/explain)."""
        hints = hints_for(result, messages, self.workspace, self.hosts) if outcome.status == "Failed" else ()
        warnings = (warnings_for(self.job, plans, pipe_opened, file_opened, self.workspace, self.hosts)
                    if outcome.status == "Completed" else ())
        self.keeper.update(lambda r: replace(r, hints=hints, warnings=warnings), save=False)

    def _cluster_spec(self, files: HostFiles, credentials: JobCredentials | None,
                      resources: HostResources) -> ClusterSpec:
        """The hosts as the engine runs them; made without credentials while they are resolved (the network
        needs none of them), again with them before the containers are created."""
        job = self.job
        return ClusterSpec(
            job_name=self.keeper.record.job_name, folder=str(self.workspace.folder), image=job.image_uri,
            entrypoint=job.entrypoint, arguments=job.arguments,
            hosts=tuple(_host_spec(h, files, self._environment(credentials)) for h in self.hosts),
            sidecar=credentials.sidecar() if credentials is not None else None,
            resources=resources, isolated=emulation.is_isolated(job), network_pool=self.options.network_pool)

    def _environment(self, credentials: JobCredentials | None) -> dict[str, str]:
        """The job's env plus the region and the credentials endpoint, as SageMaker sets them; the host's AWS
        keys are never copied. The S3 endpoint override goes in as it is: it must be reachable from containers."""
        endpoint_url = self.options.endpoint_url
        return {**({"AWS_ENDPOINT_URL": endpoint_url} if endpoint_url else {}), **self.job.env,
                "AWS_REGION": self.options.region, "AWS_DEFAULT_REGION": self.options.region,
                **(credentials.environment() if credentials is not None else {})}

    def _refresh_outputs(self) -> None:
        if self.files is not None:
            self.files.refresh()

    def _messages(self) -> dict[str, str]:
        found = {}
        for host in self.hosts:
            file = self.workspace.message_file(host)
            if file.is_file():
                found[host] = file.read_bytes().decode("utf-8", errors="replace")
        return found


def input_meters(keeper: RecordKeeper) -> Meters:
    """One Meter per input, reporting to the record (so to `byoc run`'s progress bars)."""
    made: dict[str, Meter] = {}
    lock = threading.Lock()

    def meter(name: str) -> Meter:
        with lock:
            if name not in made:
                made[name] = Meter(lambda *counts: keeper.staged(name, *counts))
            return made[name]

    return meter


def _host_spec(host: str, files: HostFiles, environment: dict[str, str]) -> HostSpec:
    ml, volume = files.mount(host)
    return HostSpec(host, ml, environment, ml_volume=volume)
