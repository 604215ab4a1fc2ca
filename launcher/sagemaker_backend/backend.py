"""The SageMaker backend: one JobDefinition run as a SageMaker Processing job.

    validate -> role, bucket, region -> job name -> plan uploads (local inputs, code) and downloads
    (local outputs) -> upload -> Processor(...).run(wait=False) -> [follow CloudWatch logs until the
    job ends -> download local outputs if Completed]

Everything before the upload happens for `--dry-run` too, so a dry run fails where a real run would,
and prints the S3 URIs a real run would use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from launcher.definition import JobDefinition, resolve_job_name
from launcher.errors import LocalImageError
from launcher.sagemaker_backend.downloads import Download, perform_downloads, plan_downloads
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.logs import CloudWatchLogs
from launcher.sagemaker_backend.session import aws_session, sdk_session
from launcher.sagemaker_backend.settings import SageMakerOptions, require_role
from launcher.sagemaker_backend.status import JobStatus, describe_job
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
    def uris(self) -> dict[str, str]:
        """Input name -> uploaded S3 URI, and `output:<name>` -> staging S3 URI."""
        staged = {f"output:{d.output_name}": d.staging.uri for d in self.downloads}
        return {**{u.input_name: u.target.uri for u in self.uploads}, **staged}


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
    is made from `options.region`."""

    name = "sagemaker"

    def __init__(self, options: SageMakerOptions, console: Console | None = None, *, boto_session: Any = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.console = console
        self._boto = boto_session
        self._clients: dict[str, Any] = {}
        self._sleep = sleep

    def prepare(self, definition: JobDefinition) -> Prepared:
        job = definition.normalized()
        validate(job)
        require_role(job)
        bucket = self.options.require_bucket()
        name = resolve_job_name(job)
        uploads = plan_uploads(definition, bucket, self.options.prefix, name)
        return Prepared(job, name, bucket, uploads, plan_downloads(job, bucket, self.options.prefix, name))

    def dry_run(self, definition: JobDefinition) -> dict[str, Any]:
        """The CreateProcessingJob request, exactly as the SDK would send it; nothing is uploaded or sent.

        A local image name is only a warning here: the request is worth seeing before pushing.
        """
        prepared = self.prepare(definition)
        problem = local_image_problem(prepared.job.image_uri)
        if problem is not None and self.console is not None:
            self.console.print(f"[yellow]warning:[/] {problem}", highlight=False)
        return capture_request(prepared.job, prepared.job_name, prepared.uris, self._sdk(prepared.bucket))

    def submit(self, definition: JobDefinition) -> Submission:
        """Upload what is local and create the job; a local image name fails first, before any upload."""
        prepared = self.prepare(definition)
        problem = local_image_problem(prepared.job.image_uri)
        if problem is not None:
            raise LocalImageError(problem)
        session = self._sdk(prepared.bucket)
        perform_uploads(prepared.uploads, self._s3, self.console)
        submit(prepared.job, prepared.job_name, prepared.uris, session)
        if self.console is not None:
            self.console.print(f"submitted [bold]{prepared.job_name}[/] to SageMaker "
                               f"({self.client('sagemaker').meta.region_name})", highlight=False)
        return Submission(prepared.job_name, prepared.downloads)

    def run(self, definition: JobDefinition) -> JobStatus:
        """Submit; if `options.wait`, wait and bring local outputs home. Not waiting: InProgress."""
        submission = self.submit(definition)
        if not self.options.wait:
            return self.describe(submission.job_name)
        return self.finish(submission)

    def finish(self, submission: Submission) -> JobStatus:
        """Wait for the job, then download its local outputs if it Completed."""
        status = self.wait(submission.job_name)
        if status.status == "Completed":
            perform_downloads(submission.downloads, self._s3, self.console)
        return status

    def wait(self, job_name: str) -> JobStatus:
        """Poll the job (and print its logs) until it is Completed, Failed or Stopped."""
        follower = None
        if self.options.echo_logs and self.console is not None:
            follower = CloudWatchLogs(self.client("logs"), job_name, self.console)
        while True:
            status = self.describe(job_name)
            if follower is not None:
                follower.poll()
            if status.is_terminal:
                if follower is not None:
                    self._sleep(self.options.poll_seconds)  # CloudWatch trails the job's end by a few seconds
                    follower.poll()
                return status
            self._sleep(self.options.poll_seconds)

    def describe(self, job_name: str) -> JobStatus:
        return JobStatus.from_describe(describe_job(self.client("sagemaker"), job_name))

    def stop(self, job_name: str) -> None:
        with aws_errors("StopProcessingJob"):
            self.client("sagemaker").stop_processing_job(ProcessingJobName=job_name)

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
