"""What `byoc run|describe|logs|stop --backend sagemaker` do; `launcher.cli` calls these.

Each returns the exit code and raises LauncherError for an expected failure, which the CLI prints.
Results go to `out` (stdout), logs and progress to `err` (stderr).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import typer
from rich.console import Console

from launcher.cli import STATUS_EXIT, STATUS_STYLE
from launcher.definition import JobDefinition
from launcher.errors import JobStateError
from launcher.sagemaker_backend.backend import SageMakerBackend
from launcher.sagemaker_backend.logs import CloudWatchLogs
from launcher.sagemaker_backend.session import aws_session
from launcher.sagemaker_backend.settings import SageMakerOptions, bucket_from, prefix_from, with_role
from launcher.sagemaker_backend.status import JobStatus, describe_job


@dataclass(frozen=True, slots=True)
class RunFlags:
    """`byoc run`'s options that matter to this backend, as given (None: not given)."""

    bucket: str | None = None
    prefix: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    wait: bool | None = None
    dry_run: bool = False
    quiet: bool = False


def run_job(definition: JobDefinition, flags: RunFlags, *, out: Console, err: Console) -> int:
    """Dry-run, submit, or submit and follow; the exit code is the local backend's for the same outcome."""
    options = SageMakerOptions(
        bucket=bucket_from(flags.bucket, os.environ), region=flags.region, prefix=prefix_from(flags.prefix, os.environ),
        s3_endpoint_url=flags.endpoint_url, wait=flags.wait is not False, echo_logs=not flags.quiet,
    )
    backend = SageMakerBackend(options, err)
    definition = with_role(definition, os.environ)
    if flags.dry_run:
        typer.echo(json.dumps(backend.dry_run(definition), indent=2))
        return 0
    submission = None
    try:
        submission = backend.submit(definition)
        if not options.wait:
            for staged in submission.downloads:
                err.print(f"output {staged.output_name} will stay in {staged.staging.uri} (not waiting to "
                          f"download it to {staged.folder})", highlight=False)
            out.print(submission.job_name, highlight=False)
            return 0
        status = backend.finish(submission)
    except KeyboardInterrupt:
        if submission is None:
            err.print("[yellow]interrupted:[/] no job was created")
        else:
            name = submission.job_name
            err.print(f"[yellow]interrupted:[/] job {name} keeps running on SageMaker; "
                      f"stop it with `byoc stop {name} --backend sagemaker`", highlight=False)
        return 130
    show(status, out, {d.output_name: str(d.folder) for d in submission.downloads})
    return STATUS_EXIT.get(status.status, 1)


def describe(job: str, *, as_json: bool, out: Console) -> int:
    backend = _backend()
    if as_json:
        typer.echo(json.dumps(describe_job(backend.client("sagemaker"), job), indent=2, default=str))
    else:
        show(backend.describe(job), out)
    return 0


def logs(job: str, *, host: str | None, out: Console) -> int:
    """Everything the job's hosts have logged so far (no following: `run --wait` follows)."""
    backend = _backend()
    follower = CloudWatchLogs(backend.client("logs"), job, out, host)
    follower.poll()
    if not follower.hosts:
        backend.describe(job)  # an unknown job is an error; a known one may have no logs yet
        typer.echo(f"job {job!r} has no logs yet", err=True)
    elif host is not None and host not in follower.hosts:
        raise JobStateError(f"job {job!r} has no host {host!r} (hosts: {', '.join(sorted(follower.hosts))})")
    return 0


def stop(job: str, *, err: Console) -> int:
    """StopProcessingJob, refused for a job that already ended, as the local `byoc stop` does."""
    backend = _backend()
    status = backend.describe(job)
    if status.is_terminal:
        raise JobStateError(f"job {job!r} already ended: {status.status}")
    backend.stop(job)
    err.print(f"asked SageMaker to stop {job}: it goes Stopping, then Stopped "
              f"(`byoc describe {job} --backend sagemaker`)", highlight=False)
    return 0


def show(status: JobStatus, out: Console, folders: dict[str, str] | None = None) -> None:
    """Like the local `byoc describe`; `folders` are the local destinations outputs were downloaded to."""
    style = STATUS_STYLE.get(status.status, "")
    rows = [
        ("job", status.job_name), ("status", f"[{style}]{status.status}[/]"), ("reason", status.failure_reason),
        ("message", status.exit_message), ("created", status.creation_time), ("ended", status.end_time),
        ("instances", status.instances), ("arn", status.job_arn),
    ]
    for label, value in rows:
        if value:
            out.print(f"{label:<10} {value}", highlight=False, soft_wrap=True)
    note = "" if status.status == "Completed" else f"  (the job is {status.status}: may be partial or missing)"
    for name, uri in status.outputs.items():
        if folders and name in folders and status.status == "Completed":
            out.print(f"output     {name} -> {folders[name]} (via {uri})", highlight=False, soft_wrap=True)
        else:
            out.print(f"output     {name} -> {uri}{note}", highlight=False, soft_wrap=True)


def _backend() -> SageMakerBackend:
    """For commands that only talk to the service: no bucket needed, region from the environment."""
    return SageMakerBackend(SageMakerOptions(bucket=None), boto_session=aws_session(None, region_flag=None))
