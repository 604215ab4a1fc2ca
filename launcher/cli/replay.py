"""`byoc replay JOB_NAME`: a job that ran on SageMaker, run again on the local backend (launcher/replay.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.backends import BackendChoice, pick
from launcher.cli.consoles import console
from launcher.cli.follow import follow
from launcher.cli.options import BackendName, GpuFallbackOption, JobsDirOption, ResourceLimitsOption
from launcher.cli.render import exit_code, show
from launcher.errors import EXIT_COMPLETED, UsageError

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(soft_wrap=True, highlight=False)


def replay(
    job: Annotated[str, typer.Argument(help="The SageMaker processing job's name")],
    sample: Annotated[int | None, typer.Option(
        min=1, help="Stage (or stream) only the first N objects of each input per host")] = None,
    job_file: Annotated[Path | None, typer.Option(
        help="Write the equivalent job file here instead of running it")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region of the job (env: AWS_REGION)")] = None,
    output_dir: Annotated[Path | None, typer.Option(
        help="Where the outputs go, a folder per output (default: ./replay-JOB)")] = None,
    original_outputs: Annotated[bool, typer.Option(
        "--original-outputs", help="Write the outputs where the job on SageMaker wrote them instead")] = False,
    image_uri: Annotated[str | None, typer.Option(help="Run this local image instead of the job's")] = None,
    image_map: Annotated[list[str] | None, typer.Option(
        help="URI_OR_REPOSITORY=LOCAL_IMAGE: run the job's image as this local one (repeatable)")] = None,
    pull: Annotated[bool, typer.Option("--pull/--no-pull", help="Pull the job's exact image if the engine lacks "
                                                                "it (default), or go straight to the kit's")] = True,
    registry: Annotated[str | None, typer.Option(help="Pull from this registry host instead of the image's")] = None,
    job_name: Annotated[str | None, typer.Option(help="Name of the local job (default: the job's, timestamped)")]
    = None,
    jobs_dir: JobsDirOption = None,
    resource_limits: ResourceLimitsOption = True,
    gpu_fallback: GpuFallbackOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not echo the hosts' logs")] = False,
) -> None:
    """Run a SageMaker processing job again on the local Docker engine, from DescribeProcessingJob."""
    from launcher.images import parse_mapping
    from launcher.replay import prepare

    if job_file is not None and sample is not None:
        raise UsageError("--sample: nothing runs with --job-file; pass --sample when replaying the job itself")
    if original_outputs and output_dir is not None:
        raise UsageError("--output-dir and --original-outputs: give one")
    outputs = None if original_outputs else (output_dir or Path(f"replay-{job}"))
    maps = dict(parse_mapping(text) for text in image_map or ())
    replayed = prepare(job, region=region, output_dir=outputs, image_uri=image_uri, image_maps=maps, pull=pull,
                       registry=registry, local_job_name=job_name, console=err)
    for line in replayed.comments()[1:]:
        err.print(Text(line, style="dim"))
    if job_file is not None:
        from launcher.jobfile_writer import job_file_text
        from launcher.validation import validate

        validate(replayed.definition)
        job_file.write_text(job_file_text(replayed.definition, comments=replayed.comments()), encoding="utf-8")
        out.print(Text(str(job_file)))
        return
    chosen = pick(BackendChoice(BackendName.local, jobs_dir, replayed.source.region, sample=sample,
                                resource_limits=resource_limits, gpu_fallback=gpu_fallback), err)
    name = chosen.submit(replayed.definition)
    err.print(Text(f"submitted {name} ({chosen.name} backend), a replay of {replayed.source.job_arn}", style="dim"))
    status = follow(chosen, name, err, echo_logs=not quiet)
    show(status, out)
    if exit_code(status) != EXIT_COMPLETED:
        raise typer.Exit(exit_code(status))
