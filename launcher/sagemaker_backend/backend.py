"""The SageMaker backend: SageMaker Processing jobs behind the Backend protocol.

    submit: validate -> role, bucket, region -> job name -> plan uploads (local inputs, code) and
            downloads (local outputs) -> upload -> Processor(...).run(wait=False)
    wait:   poll DescribeProcessingJob until the job ends -> download local outputs if Completed
    logs:   CloudWatch, every host's stream, followed until the job ends

`request_for` does everything `submit` does before the upload, so a dry run fails where a real run
would, and shows the S3 URIs a real run would use. A job on SageMaker is not stopped when a client
following it is interrupted (`interrupt_stops_job`): it runs on, as with the SDK.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console

from launcher.backend import JobStatus, LogEvent, OutputStatus, StopCause
from launcher.definition import JobDefinition, resolve_job_name
from launcher.errors import JobStateError, LocalImageError, UsageError
from launcher.request import to_create_processing_job_request
from launcher.sagemaker_backend.downloads import Download, perform_downloads, plan_downloads
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.logs import CloudWatchLogs
from launcher.sagemaker_backend.session import aws_session, sdk_session
from launcher.sagemaker_backend.settings import SageMakerOptions, with_role
from launcher.sagemaker_backend.status import describe_job, job_status
from launcher.sagemaker_backend.submit import capture_request, submit
from launcher.sagemaker_backend.uploads import Upload, perform_uploads, plan_uploads
from launcher.storage.client import S3Client
from launcher.validation import validate


@dataclass(frozen=True, slots=True)
class Submission:
    """A created job, and its outputs to bring home once it has Completed."""

    job_name: str
    downloads: tuple[Download, ...] = ()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A job ready to submit: normalized, named, with its S3 staging planned."""

    job: JobDefinition
    job_name: str
    bucket: str
    uploads: tuple[Upload, ...]
    downloads: tuple[Download, ...]

    @property
    def request(self) -> dict[str, Any]:
        """The one CreateProcessingJob request, with uploaded inputs' and staged outputs' S3 URIs."""
        return to_create_processing_job_request(
            self.job, self.job_name,
            input_uris={u.input_name: u.target.uri for u in self.uploads},
            output_uris={d.output_name: d.staging.uri for d in self.downloads})


def local_image_problem(image_uri: str) -> str | None:
    """Why SageMaker cannot pull `image_uri`, if it names no registry host (`byoc/sklearn:latest`)."""
    first, _, rest = image_uri.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return None
    name = image_uri.split("@", 1)[0].rsplit(":", 1)[0].rsplit("/", 1)[-1]
    return (f"image_uri {image_uri!r} is a local image name; SageMaker pulls images from ECR: push it "
            f"(`make push IMAGE={name}`) and pass the URI it prints with --image-uri, or set it in the job file")


class SageMakerBackend:
    """`boto_session` and `sleep` are for tests (event hooks, no waiting); by default a boto3 session
    is made from `options.region`. `console` shows upload and download progress (stderr)."""

    name = "sagemaker"
    interrupt_stops_job = False
    reports_transfers = False

    def __init__(self, options: SageMakerOptions, console: Console | None = None, *, boto_session: Any = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.console = console
        self._boto = boto_session
        self._clients: dict[str, Any] = {}
        self._sleep = sleep
        self._downloads: dict[str, tuple[Download, ...]] = {}  # job -> local outputs to bring home once Completed

    def prepare(self, definition: JobDefinition) -> Prepared:
        definition = with_role(definition, self.options.default_role)
        job = definition.normalized()
        validate(job)
        bucket = self.options.require_bucket()
        name = resolve_job_name(job)
        uploads = plan_uploads(definition, bucket, self.options.prefix, name)
        return Prepared(job, name, bucket, uploads, plan_downloads(job, bucket, self.options.prefix, name))

    def request_for(self, definition: JobDefinition) -> dict[str, Any]:
        """The CreateProcessingJob request, exactly as the SDK would send it; nothing is uploaded or sent.

        A local image name is only a warning here: the request is worth seeing before pushing.
        """
        prepared = self.prepare(definition)
        problem = local_image_problem(prepared.job.image_uri)
        if problem is not None and self.console is not None:
            self.console.print(f"warning: {problem}", style="yellow", markup=False, highlight=False)
        return capture_request(prepared.request, self._sdk(prepared.bucket))

    def submit(self, definition: JobDefinition) -> str:
        """Upload what is local and create the job; a local image name fails first, before any upload."""
        prepared = self.prepare(definition)
        problem = local_image_problem(prepared.job.image_uri)
        if problem is not None:
            raise LocalImageError(problem)
        session = self._sdk(prepared.bucket)
        perform_uploads(prepared.uploads, self._s3, self.console)
        submit(prepared.request, session)
        self._downloads[prepared.job_name] = prepared.downloads
        return prepared.job_name

    def describe(self, job_name: str) -> JobStatus:
        return job_status(describe_job(self.client("sagemaker"), job_name))

    def describe_raw(self, job_name: str) -> dict[str, Any]:
        """DescribeProcessingJob's answer as the service gave it (`byoc describe --json`)."""
        return describe_job(self.client("sagemaker"), job_name)

    def logs(self, job_name: str, host: str | None = None, follow: bool = False) -> Iterator[LogEvent]:
        """CloudWatch's events of the job; with `follow`, polled until the job has ended and its last lines
        are in (CloudWatch trails the job's end by a few seconds)."""
        follower = CloudWatchLogs(self.client("logs"), job_name, host)
        while True:
            ended = not follow or self.describe(job_name).is_terminal
            if ended and follow:
                self._sleep(self.options.poll_seconds)
            events = follower.poll()
            if not follower.hosts:
                self.describe(job_name)  # an unknown job is an error; a known one may have no logs yet
            yield from events
            if ended:
                if host is not None and follower.hosts and host not in follower.hosts:
                    raise UsageError(f"job {job_name!r} has no host {host!r} "
                                     f"(hosts: {', '.join(sorted(follower.hosts))})")
                return
            self._sleep(self.options.poll_seconds)

    def wait(self, job_name: str) -> JobStatus:
        """Poll the job until it is Completed, Failed or Stopped; bring local outputs home if it Completed."""
        while not (status := self.describe(job_name)).is_terminal:
            self._sleep(self.options.poll_seconds)
        downloads = self._downloads.pop(job_name, ())
        if status.status != "Completed" or not downloads:
            return status
        counts = perform_downloads(downloads, self._s3, self.console)
        folders = {d.output_name: str(d.folder) for d in downloads}
        return replace(status, outputs=tuple(
            OutputStatus(o.name, folders[o.name], counts[o.name], counts[o.name]) if o.name in folders else o
            for o in status.outputs))

    def stop(self, job_name: str, cause: StopCause = StopCause.REQUESTED, *, kill: bool = False) -> None:
        """StopProcessingJob (SageMaker takes no cause and always stops gracefully)."""
        status = self.describe(job_name)
        if status.is_terminal:
            raise JobStateError(f"job {job_name!r} already ended: {status.status}")
        with aws_errors("StopProcessingJob"):
            self.client("sagemaker").stop_processing_job(ProcessingJobName=job_name)

    def list(self) -> list[JobStatus]:
        """The account's processing jobs in the region, newest first (summaries: no request echoed)."""
        found: list[JobStatus] = []
        paginator = self.client("sagemaker").get_paginator("list_processing_jobs")
        with aws_errors("ListProcessingJobs"):
            for page in paginator.paginate(SortBy="CreationTime", SortOrder="Descending"):
                found.extend(job_status(summary) for summary in page.get("ProcessingJobSummaries", []))
        return found

    def client(self, service: str) -> Any:
        """One client per service, from one boto3 session: AWS_ENDPOINT_URL[_<SERVICE>] apply."""
        if service not in self._clients:
            if self._boto is None:
                self._boto = aws_session(self.options.region)
            endpoint = self.options.s3_endpoint_url if service == "s3" else None
            self._clients[service] = self._boto.client(service, endpoint_url=endpoint)
        return self._clients[service]

    def _s3(self) -> S3Client:
        client: S3Client = self.client("s3")
        return client

    def _sdk(self, bucket: str) -> Any:
        sagemaker_client = self.client("sagemaker")
        return sdk_session(self._boto, sagemaker_client, bucket)
