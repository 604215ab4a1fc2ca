"""The CLI's shared options, as typer types: cheap to import, no backend loaded."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from launcher.local.options import Staging
from launcher.local.resources import GpuFallback


class BackendName(StrEnum):
    local = "local"
    sagemaker = "sagemaker"


# No square brackets in help texts: typer's rich markup would take them for style tags and drop them.
JobsDirOption = Annotated[Path | None, typer.Option(
    "--jobs-dir", help="Where local job folders live (env: BYOC_JOBS_DIR; default: ~/.byoc/jobs)")]
BackendOption = Annotated[BackendName, typer.Option(
    "--backend", case_sensitive=False, help="Where the job runs: the local Docker engine, or SageMaker")]
RegionOption = Annotated[str | None, typer.Option(
    help="AWS region: set in local containers, where SageMaker runs (env: AWS_REGION)")]
RoleOption = Annotated[str | None, typer.Option(
    help="Override role, the IAM role ARN (sagemaker: else role: in the job file, else env BYOC_ROLE_ARN)")]
BucketOption = Annotated[str | None, typer.Option(
    help="sagemaker: bucket for local inputs, code and outputs (env BYOC_BUCKET)")]
PrefixOption = Annotated[str | None, typer.Option(
    help="sagemaker: key prefix, s3://BUCKET/PREFIX/JOB/input/NAME/ (env BYOC_PREFIX; default byoc)")]
EndpointOption = Annotated[str | None, typer.Option(
    help="S3 endpoint for s3:// data (env: AWS_ENDPOINT_URL)")]
StagingOption = Annotated[Staging | None, typer.Option(
    "--staging", case_sensitive=False,
    help="local: where each host's /opt/ml lives: bind, a folder of the job's, bind-mounted; volume, a Docker volume "
         "filled and emptied through the engine's API, for an engine that does not see this machine's folders "
         "(default: bind when the engine sees the jobs folder from this machine's kernel, else volume)")]
ResourceLimitsOption = Annotated[bool, typer.Option(
    "--resource-limits/--no-resource-limits",
    help="local: give each host its instance type's CPUs and memory as limits (default), or no limits")]
GpuFallbackOption = Annotated[GpuFallback | None, typer.Option(
    case_sensitive=False, help="local: a GPU instance type on an engine without GPUs fails (error, the default) or "
                               "runs on CPU (cpu)")]
