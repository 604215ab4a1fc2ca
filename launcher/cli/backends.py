"""The one place the CLI knows which backends exist: it builds the one a command asked for.

Everything else in the CLI holds a `Backend` and never asks which. Each backend's modules are imported
only when it is picked, so `byoc --help` and local runs never load boto3 or the SageMaker SDK.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from launcher.backend import Backend
from launcher.cli import warm
from launcher.cli.options import BackendName
from launcher.errors import UsageError
from launcher.local.options import Staging
from launcher.local.resources import GpuFallback

if TYPE_CHECKING:
    from launcher.local.backend import LocalBackend


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """What the command line said about where jobs run; None means "not given"."""

    name: BackendName = BackendName.local
    jobs_dir: Path | None = None
    region: str | None = None
    endpoint_url: str | None = None
    stop_grace_seconds: float | None = None
    bucket: str | None = None
    prefix: str | None = None
    sample: int | None = None  # local: at most this many objects of each input per host
    staging: Staging | None = None
    resource_limits: bool = True
    gpu_fallback: GpuFallback | None = None
    keep: bool = False  # local: keep failed hosts' containers


def pick(choice: BackendChoice, err: Console) -> Backend:
    if choice.name is BackendName.sagemaker:
        if choice.staging is not None:
            raise UsageError("--staging: only for the local backend")
        local_only = [flag for flag, given in (("--no-resource-limits", not choice.resource_limits),
                                               ("--gpu-fallback", choice.gpu_fallback is not None)) if given]
        if local_only:
            raise UsageError(f"{', '.join(local_only)}: only for the local backend (SageMaker runs the instance "
                             "type itself)")
        if choice.keep:
            raise UsageError("--keep: only for the local backend (SageMaker keeps no instance of a job)")
        return _sagemaker(choice, err)
    given = [flag for flag, value in (("--bucket", choice.bucket), ("--prefix", choice.prefix)) if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: only for --backend sagemaker")
    return _local(choice)


def local_backend(jobs_dir: Path | None) -> LocalBackend:
    """The local backend itself, for the tools that exist only for local jobs (debug, clean)."""
    return _local(BackendChoice(BackendName.local, jobs_dir))


def _local(choice: BackendChoice) -> LocalBackend:
    from launcher.local.backend import LocalBackend
    from launcher.local.options import DEFAULT_REGION, DEFAULT_STOP_GRACE_SECONDS, Keep, LocalOptions, Supervision
    from launcher.local.workspace import jobs_root

    region = choice.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    after_job = warm.after_job()
    return LocalBackend(LocalOptions(
        jobs_dir=choice.jobs_dir if choice.jobs_dir is not None else jobs_root(),
        region=region,
        endpoint_url=choice.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
        stop_grace_seconds=choice.stop_grace_seconds if choice.stop_grace_seconds is not None
        else DEFAULT_STOP_GRACE_SECONDS,
        supervision=Supervision.DETACHED,  # a job outlives the `byoc` that started it
        after_job=after_job,  # and its supervisor stays, warm, for the next
        network_pool=warm.network_pool(after_job),  # and a multi-host job's network stays with it
        reuse_aws_session=True,  # each supervisor runs one job: a botocore session kept across forks is its own
        sample_objects=choice.sample,
        staging=choice.staging,
        resource_limits=choice.resource_limits,
        gpu_fallback=choice.gpu_fallback or GpuFallback.ERROR,
        keep=Keep.FAILED if choice.keep else Keep.NONE,
    ))


def _sagemaker(choice: BackendChoice, err: Console) -> Backend:
    from launcher.sagemaker_backend.backend import SageMakerBackend
    from launcher.sagemaker_backend.settings import SageMakerOptions, bucket_from, prefix_from, role_from

    options = SageMakerOptions(bucket=bucket_from(choice.bucket, os.environ), region=choice.region,
                               default_role=role_from(os.environ), prefix=prefix_from(choice.prefix, os.environ),
                               s3_endpoint_url=choice.endpoint_url)
    return SageMakerBackend(options, err)
