"""`byoc run | describe | logs | stop | list | timeline`: jobs, through whichever backend was picked.

A command that ends with anything but success raises: `typer.Exit` with a job's exit code, or an error
that `launcher.cli.main` turns into its exit code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from launcher.backend import NOTICE_HOST, JobStatus, describe_response
from launcher.cli.backends import BackendChoice, pick
from launcher.cli.consoles import console
from launcher.cli.follow import follow
from launcher.cli.options import (
    BackendName,
    BackendOption,
    BucketOption,
    EndpointOption,
    GpuFallbackOption,
    JobsDirOption,
    PrefixOption,
    RegionOption,
    ResourceLimitsOption,
    RoleOption,
    StagingOption,
)
from launcher.cli.render import event_line, exit_code, jobs_table, show, show_timings
from launcher.errors import EXIT_COMPLETED

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(soft_wrap=True, highlight=False)


def run(
    job_file: Annotated[Path, typer.Argument(help="The job file: YAML with the SDK's names, or the request's JSON")],
    instance_count: Annotated[int | None, typer.Option(help="Override instance_count")] = None,
    job_name: Annotated[str | None, typer.Option(help="Override job_name")] = None,
    image_uri: Annotated[str | None, typer.Option(help="Override image_uri (e.g. the URI `byoc push` printed)")] = None,
    max_runtime_in_seconds: Annotated[int | None, typer.Option(help="Override max_runtime_in_seconds")] = None,
    role: RoleOption = None,
    stop_grace_seconds: Annotated[float | None, typer.Option(
        help="local: SIGTERM-to-SIGKILL grace when stopping (default 120)")] = None,
    endpoint_url: EndpointOption = None,
    region: RegionOption = None,
    staging: StagingOption = None,
    resource_limits: ResourceLimitsOption = True,
    gpu_fallback: GpuFallbackOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not echo the hosts' logs")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the job to its end (default), or print "
                                                                 "its name and return while it runs")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the CreateProcessingJob request as JSON; "
                                                            "create, upload and send nothing")] = False,
    timings: Annotated[bool, typer.Option("--timings", help="Also print seconds per phase")] = False,
    draw_timeline: Annotated[bool, typer.Option("--timeline", help="Also draw <job folder>/timeline.png")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="local: keep the containers of hosts that fail, for docker "
                                                      "inspect and byoc debug; byoc clean removes them")] = False,
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    bucket: BucketOption = None,
    prefix: PrefixOption = None,
) -> None:
    """Run a job file on the local Docker engine, as SageMaker would run it, or on SageMaker itself."""
    from launcher.jobfile import load_job_file

    overrides = {"instance_count": instance_count, "job_name": job_name, "role": role, "image_uri": image_uri,
                 "max_runtime_in_seconds": max_runtime_in_seconds}
    definition = load_job_file(job_file, on_note=lambda note: err.print(Text(f"note: {note}", style="dim")),
                               **{k: v for k, v in overrides.items() if v is not None})
    choice = BackendChoice(backend, jobs_dir, region, endpoint_url, stop_grace_seconds, bucket, prefix,
                           staging=staging, resource_limits=resource_limits, gpu_fallback=gpu_fallback,
                           keep=keep)
    chosen = pick(choice, err)
    if dry_run:
        typer.echo(json.dumps(chosen.request_for(definition), indent=2))
        return
    name = chosen.submit(definition)
    err.print(Text(f"submitted {name} ({chosen.name} backend)", style="dim"))
    if not wait:
        out.print(Text(name))
        return
    status = follow(chosen, name, err, echo_logs=not quiet)
    show(status, out)
    if timings:
        show_timings(status, out)
    if draw_timeline and status.folder is not None:
        from launcher.cli.timeline import draw_timeline as draw

        out.print(Text(f"timeline   {draw(status, Path(status.folder) / 'timeline.png')}"))
    if exit_code(status) != EXIT_COMPLETED:
        raise typer.Exit(exit_code(status))


def describe(
    job: Annotated[str, typer.Argument(help="Job name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print DescribeProcessingJob's answer as JSON")] = False,
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    region: RegionOption = None,
) -> None:
    """Status, reason, exit message, hints, warnings, times, hosts and outputs of a job."""
    status = pick(BackendChoice(backend, jobs_dir, region), err).describe(job)
    if as_json:
        typer.echo(json.dumps(_with_kit_fields(describe_response(status), status), indent=2, default=_iso))
    else:
        show(status, out)


def logs(
    job: Annotated[str, typer.Argument(help="Job name")],
    host: Annotated[str | None, typer.Option(help="Only this host, e.g. algo-2")] = None,
    follow_logs: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends")] = False,
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    region: RegionOption = None,
) -> None:
    """Print what each host printed, prefixed with the host."""
    for event in pick(BackendChoice(backend, jobs_dir, region), err).logs(job, host=host, follow=follow_logs):
        if event.host != NOTICE_HOST:
            out.print(event_line(event), soft_wrap=True)


def stop(
    job: Annotated[str, typer.Argument(help="Job name")],
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    region: RegionOption = None,
) -> None:
    """Stop a running job: every container gets SIGTERM, then SIGKILL after the grace period."""
    pick(BackendChoice(backend, jobs_dir, region), err).stop(job)
    err.print(Text(f"asked {job} to stop: it goes Stopping, then Stopped (`byoc describe {job}`)"))


def list_jobs(
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    region: RegionOption = None,
) -> None:
    """The jobs of the backend, newest first."""
    out.print(jobs_table(pick(BackendChoice(backend, jobs_dir, region), err).list()))


def timeline(
    job: Annotated[str, typer.Argument(help="Job name")],
    jobs_dir: JobsDirOption = None,
) -> None:
    """Draw a local job's timeline (per host: staging, running, uploading) as <job folder>/timeline.png."""
    from launcher.cli.timeline import draw_timeline

    status = pick(BackendChoice(BackendName.local, jobs_dir), err).describe(job)
    out.print(Text(str(draw_timeline(status, Path(status.folder or ".") / "timeline.png"))))


def _with_kit_fields(response: dict[str, Any], status: JobStatus) -> dict[str, Any]:
    """DescribeProcessingJob's fields, then what only the kit knows, under `Byoc`."""
    kit = {
        "Hosts": [{"Name": h.name, "ExitCode": h.exit_code} for h in status.hosts],
        "Outputs": [{"Name": o.name, "Destination": o.destination, "Uploaded": o.uploaded, "Total": o.total}
                    for o in status.outputs],
        "Hints": list(status.hints), "Warnings": list(status.warnings), "Notices": list(status.notices),
        "Timings": dict(status.timings), "Folder": status.folder, "CauseExitCode": status.cause_exit_code,
    }
    return {**response, "Byoc": kit}


def _iso(value: Any) -> str:
    return str(value.isoformat(timespec="milliseconds"))
