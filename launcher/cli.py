"""`byoc`: run a job file locally or on SageMaker, then describe, follow, stop and list jobs; push images.

Logs and progress go to stderr, results to stdout. An expected failure (a bad job file, no Docker
engine) prints one red line per problem and no traceback. Exit codes of `byoc run`:
0 Completed, 1 Failed, 2 bad job file or arguments, 3 backend unusable (no engine, no image), 4 Stopped,
130 interrupted. The sagemaker SDK is never imported here: `--help` and local runs stay fast.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from launcher.definition import with_overrides
from launcher.errors import LauncherError
from launcher.jobfile import load_job_file
from launcher.local import record as records
from launcher.local.logs import host_line
from launcher.local.workspace import JobWorkspace, jobs_root
from launcher.sagemaker_backend.options import (
    Backend,
    BackendOption,
    BucketOption,
    DryRunOption,
    PrefixOption,
    RoleOption,
    WaitOption,
    sagemaker_only,
)

STATUS_EXIT = {"Completed": 0, "Failed": 1, "Stopped": 4}
STATUS_STYLE = {"Completed": "green", "Failed": "red", "Stopped": "yellow", "InProgress": "cyan", "Stopping": "yellow"}

app = typer.Typer(
    name="byoc",
    help="Run SageMaker Processing jobs locally exactly as SageMaker would, from one job file.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold AWS keys
    add_completion=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

JobsDir = Annotated[Path | None, typer.Option("--jobs-dir", help="Where job folders live (env: BYOC_JOBS_DIR; "
                                                                  "default: ~/.byoc/jobs)")]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def resolve_jobs_dir(jobs_dir: Path | None) -> Path:
    return jobs_dir if jobs_dir is not None else jobs_root()


def workspace_of(job: str, jobs_dir: Path | None) -> JobWorkspace:
    workspace = JobWorkspace(resolve_jobs_dir(jobs_dir) / job)
    if not workspace.record_file.is_file():
        fail(f"no job named {job!r} in {resolve_jobs_dir(jobs_dir)} (see `byoc list`; "
             "for a job on SageMaker add --backend sagemaker)", 2)
    return workspace


def on_sagemaker(action: Callable[[], int]) -> NoReturn:
    """Run one `launcher.sagemaker_backend.commands` function and exit with its code."""
    try:
        code = action()
    except LauncherError as error:
        fail(str(error), error.exit_code)
    raise typer.Exit(code)


@app.command()
def run(
    job_file: Annotated[Path, typer.Argument(help="The YAML job file", exists=False)],
    instance_count: Annotated[int | None, typer.Option(help="Override instance_count")] = None,
    job_name: Annotated[str | None, typer.Option(help="Override job_name")] = None,
    image_uri: Annotated[str | None, typer.Option(help="Override image_uri (e.g. the URI `byoc push` printed)")] = None,
    max_runtime_in_seconds: Annotated[int | None, typer.Option(help="Override max_runtime_in_seconds")] = None,
    stop_grace_seconds: Annotated[float, typer.Option(help="SIGTERM-to-SIGKILL grace when stopping")] = 120.0,
    endpoint_url: Annotated[str | None, typer.Option(help="S3 endpoint for s3:// data (env: AWS_ENDPOINT_URL)")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region: set in local containers, where SageMaker runs "
                                                   "(env: AWS_REGION)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not echo the containers' logs")] = False,
    draw_timeline: Annotated[bool, typer.Option("--timeline", help="Also draw <job folder>/timeline.png")] = False,
    jobs_dir: JobsDir = None,
    backend: BackendOption = Backend.local,
    role: RoleOption = None,
    bucket: BucketOption = None,
    prefix: PrefixOption = None,
    wait: WaitOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Run a job file on the local Docker engine, as SageMaker would run it, or on SageMaker itself."""
    from launcher.local.backend import DEFAULT_REGION, LocalBackend, LocalOptions

    try:
        definition = load_job_file(job_file)
        changes = {k: v for k, v in {"instance_count": instance_count, "job_name": job_name, "role": role,
                                     "image_uri": image_uri,
                                     "max_runtime_in_seconds": max_runtime_in_seconds}.items() if v is not None}
        definition = with_overrides(definition, **changes)
        if backend is Backend.sagemaker:
            from launcher.sagemaker_backend.commands import RunFlags, run_job

            flags = RunFlags(bucket, prefix, region, endpoint_url, wait, dry_run, quiet)
            on_sagemaker(lambda: run_job(definition, flags, out=out, err=err))
        if given := sagemaker_only(bucket=bucket, prefix=prefix, wait=wait, dry_run=dry_run):
            fail(f"{', '.join(given)}: only for --backend sagemaker", 2)
        options = LocalOptions(
            jobs_dir=resolve_jobs_dir(jobs_dir),
            region=region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
            stop_grace_seconds=stop_grace_seconds,
            echo_logs=not quiet,
        )
        record = LocalBackend(options, err).run(definition)
    except LauncherError as error:
        fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted:[/] every container was stopped and removed")
        raise typer.Exit(130) from None
    show(record)
    if draw_timeline:
        from launcher.local.timeline import draw_timeline as draw

        out.print(f"timeline   {draw(record, Path(record.workspace) / 'timeline.png')}", highlight=False)
    raise typer.Exit(STATUS_EXIT.get(record.status, 1))


@app.command()
def describe(
    job: Annotated[str, typer.Argument(help="Job name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw job record")] = False,
    jobs_dir: JobsDir = None,
    backend: BackendOption = Backend.local,
) -> None:
    """Status, reason, times and per-host exit codes of a job."""
    if backend is Backend.sagemaker:
        from launcher.sagemaker_backend import commands

        on_sagemaker(lambda: commands.describe(job, as_json=as_json, out=out))
    record = records.load(workspace_of(job, jobs_dir).record_file)
    if as_json:
        out.print_json(json.dumps(asdict(record)))
    else:
        show(record)


@app.command()
def logs(
    job: Annotated[str, typer.Argument(help="Job name")],
    host: Annotated[str | None, typer.Option(help="Only this host, e.g. algo-2")] = None,
    jobs_dir: JobsDir = None,
    backend: BackendOption = Backend.local,
) -> None:
    """Print what each host printed, prefixed with the host."""
    if backend is Backend.sagemaker:
        from launcher.sagemaker_backend import commands

        on_sagemaker(lambda: commands.logs(job, host=host, out=out))
    workspace = workspace_of(job, jobs_dir)
    hosts = [host] if host else workspace.hosts()
    for name in hosts:
        file = workspace.log_file(name)
        if not file.is_file():
            fail(f"job {job!r} has no host {name!r} (hosts: {', '.join(workspace.hosts())})", 2)
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            out.print(host_line(name, line))


@app.command()
def stop(job: Annotated[str, typer.Argument(help="Job name")], jobs_dir: JobsDir = None,
         backend: BackendOption = Backend.local) -> None:
    """Stop a running job: every container gets SIGTERM, then SIGKILL after the grace period."""
    if backend is Backend.sagemaker:
        from launcher.sagemaker_backend import commands

        on_sagemaker(lambda: commands.stop(job, err=err))
    workspace = workspace_of(job, jobs_dir)
    record = records.load(workspace.record_file)
    if record.is_terminal:
        fail(f"job {job!r} already ended: {record.status}", 2)
    workspace.stop_marker.touch()
    if record.launcher_pid is not None and _alive(record.launcher_pid):
        err.print(f"asked the launcher (pid {record.launcher_pid}) to stop {job}")
        return
    # Nobody supervises the job any more (the launcher was killed): clean up here.
    from launcher.local.cluster import engine, sweep

    sweep(engine(), job)
    from dataclasses import replace

    records.save(replace(record, status="Stopped", failure_reason="Stopped: the launcher had gone away",
                         end_time=records.now()), workspace.record_file)
    err.print(f"stopped {job}: its launcher had gone away; containers removed")


@app.command()
def push(
    image: Annotated[str, typer.Argument(help="Local image, e.g. byoc/sklearn:latest")],
    repository: Annotated[str | None, typer.Option(help="ECR repository (default: the image's name)")] = None,
    tag: Annotated[str | None, typer.Option(help="Tag to push (default: the image's tag)")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region of the registry (env AWS_REGION)")] = None,
    account: Annotated[str | None, typer.Option(help="Registry's account (env AWS_ACCOUNT_ID; default: "
                                                     "STS GetCallerIdentity)")] = None,
    ecr_endpoint_url: Annotated[str | None, typer.Option(help="ECR API endpoint (env AWS_ENDPOINT_URL_ECR, "
                                                              "AWS_ENDPOINT_URL)")] = None,
    registry: Annotated[str | None, typer.Option(help="Push to this registry host instead of ECR's")] = None,
) -> None:
    """Push a linux/amd64 image to ECR (repository created if missing); print its URI and digest URI."""
    from launcher.push import push_image

    try:
        pushed = push_image(image, repository=repository, tag=tag, region=region, account=account,
                            ecr_endpoint_url=ecr_endpoint_url, registry=registry, console=err)
    except LauncherError as error:
        fail(str(error), error.exit_code)
    out.print(pushed.image_uri, highlight=False)
    out.print(pushed.digest_uri, highlight=False)


@app.command()
def timeline(job: Annotated[str, typer.Argument(help="Job name")], jobs_dir: JobsDir = None) -> None:
    """Draw the job's timeline (per host: staging, running, uploading) as <job folder>/timeline.png."""
    from launcher.local.timeline import draw_timeline

    workspace = workspace_of(job, jobs_dir)
    out.print(str(draw_timeline(records.load(workspace.record_file), workspace.folder / "timeline.png")))


@app.command(name="list")
def list_jobs(jobs_dir: JobsDir = None) -> None:
    """The jobs in the jobs folder, newest first."""
    root = resolve_jobs_dir(jobs_dir)
    found = sorted((records.load(f) for f in root.glob("*/job.json")), key=lambda r: r.creation_time, reverse=True)
    table = Table("job", "status", "hosts", "created", "ended")
    for record in found:
        style = STATUS_STYLE.get(record.status, "")
        table.add_row(record.job_name, f"[{style}]{record.status}[/]", str(len(record.hosts)),
                      record.creation_time, record.end_time or "")
    out.print(table)


def show(record: records.JobRecord) -> None:
    style = STATUS_STYLE.get(record.status, "")
    out.print(f"job        {record.job_name}", highlight=False)
    out.print(f"status     [{style}]{record.status}[/]", highlight=False)
    if record.failure_reason:
        out.print(f"reason     {record.failure_reason}", highlight=False)
    if record.exit_message:
        out.print(f"message    {record.exit_message}", highlight=False)
    out.print(f"created    {record.creation_time}", highlight=False)
    if record.end_time:
        out.print(f"ended      {record.end_time}", highlight=False)
    for host in record.hosts:
        code = "-" if host.exit_code is None else str(host.exit_code)
        out.print(f"host       {host.name}  exit code {code}", highlight=False)
    out.print(f"folder     {record.workspace}", highlight=False)
    for name, destination in record.outputs.items():
        where = destination if record.status == "Completed" else f"not uploaded; files stay in {record.workspace}/hosts"
        out.print(f"output     {name} -> {where}", highlight=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a killed launcher cleans up as on Ctrl-C
    app()
