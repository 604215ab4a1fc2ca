"""`byoc` options that choose and configure a backend: typer types only, cheap to import.

`launcher.cli` imports this module at start-up; the backend itself (boto3, the SageMaker SDK) is
imported only when `--backend sagemaker` is used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class Backend(StrEnum):
    local = "local"
    sagemaker = "sagemaker"


# No square brackets in help texts: typer's rich markup would take them for style tags and drop them.
BackendOption = Annotated[Backend, typer.Option(
    "--backend", case_sensitive=False, help="Where the job runs: the local Docker engine, or SageMaker")]
RoleOption = Annotated[str | None, typer.Option(
    help="Override role, the IAM role ARN (sagemaker: else role: in the job file, else env BYOC_ROLE_ARN)")]
BucketOption = Annotated[str | None, typer.Option(
    help="sagemaker: bucket for local inputs, code and outputs (env BYOC_BUCKET)")]
PrefixOption = Annotated[str | None, typer.Option(
    help="sagemaker: key prefix, s3://BUCKET/PREFIX/JOB/input/NAME/ (env BYOC_PREFIX; default byoc)")]
WaitOption = Annotated[bool | None, typer.Option(
    "--wait/--no-wait", help="sagemaker: follow the logs until the job ends (default), or print its name and return")]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="sagemaker: print the CreateProcessingJob request as JSON; upload and send nothing")]

def sagemaker_only(*, bucket: str | None, prefix: str | None, wait: bool | None, dry_run: bool) -> list[str]:
    """The SageMaker-only options given, so a local run can refuse them instead of ignoring them."""
    given = {"--bucket": bucket is not None, "--prefix": prefix is not None, "--wait/--no-wait": wait is not None,
             "--dry-run": dry_run}
    return [flag for flag, is_given in given.items() if is_given]
