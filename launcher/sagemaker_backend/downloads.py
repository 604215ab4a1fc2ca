"""Outputs to a local folder: SageMaker writes them to S3, and `--wait` brings them home.

An output whose destination is a local folder (or file:// URI) is given the S3Uri

    s3://<bucket>/<prefix>/<job name>/output/<output name>/

in the request, the layout the SDK uses for the same case, and once the job is Completed its objects are
downloaded into the folder, keys relative to that prefix, so the job file's outputs land where the
local backend puts them. A job that did not complete leaves its outputs in S3 (as the local backend
uploads nothing then); with `--no-wait` they stay in S3 too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from launcher.definition import JobDefinition, uri_scheme
from launcher.errors import JobDefinitionError, Problem
from launcher.sagemaker_backend.uploads import staging_prefix
from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import LocationError, SourceNotFoundError
from launcher.storage.listing import S3DataType, list_source
from launcher.storage.locations import LocalLocation, S3Location, parse_location
from launcher.storage.transfer import download


@dataclass(frozen=True, slots=True)
class Download:
    """One output to a local folder: where SageMaker puts it, and where it goes after the job."""

    output_name: str
    staging: S3Location
    folder: Path


def plan_downloads(job: JobDefinition, bucket: str, prefix: str, job_name: str) -> tuple[Download, ...]:
    """The outputs with a local destination; other schemes than s3:// and local are refused, by name."""
    plans: list[Download] = []
    problems: list[Problem] = []
    for i, output in enumerate(job.outputs):
        if output.destination is None or output.output_name is None or uri_scheme(output.destination) == "s3":
            continue
        try:
            location = parse_location(output.destination)
        except LocationError as exc:
            problems.append(Problem(f"outputs[{i}].destination",
                                    f"{exc.reason}; the sagemaker backend writes to s3:// URIs and local folders"))
            continue
        assert isinstance(location, LocalLocation)
        staging = staging_prefix(bucket, prefix, job_name, "output", output.output_name)
        plans.append(Download(output.output_name, staging, location.path))
    if problems:
        raise JobDefinitionError(problems)
    return tuple(plans)


def perform_downloads(plans: tuple[Download, ...], s3: S3ClientProvider, console: Console | None
                      ) -> dict[str, int]:
    """Copy each staged output into its folder; how many objects each brought (an empty output: 0)."""
    counts: dict[str, int] = {}
    for plan in plans:
        try:
            objects = list_source(plan.staging, S3DataType.S3_PREFIX, s3)
        except SourceNotFoundError:
            counts[plan.output_name] = 0
            continue
        download(objects, plan.folder, s3)
        counts[plan.output_name] = len(objects)
        if console is not None:
            console.print(f"downloaded {len(objects)} objects of output {plan.output_name} to {plan.folder}",
                          markup=False, highlight=False)
    return counts
