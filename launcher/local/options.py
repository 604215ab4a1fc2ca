"""How the local backend runs jobs: one value per backend, shared by every job it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path

from launcher.local.resources import GpuFallback

DEFAULT_REGION = "us-east-1"
# Runs each host's credentials sidecar (launcher/local/credentials.py): any image with python3 would do.
DEFAULT_CREDENTIALS_IMAGE = "byoc/base:latest"
DEFAULT_STOP_GRACE_SECONDS = 120.0


class Supervision(Enum):
    """Who supervises a submitted job until its end.

    DETACHED: a process of its own, in its own session, forked from the submitting one, so the job
    outlives a client that exits, is killed or loses its terminal (the CLI's choice). THREAD: a thread
    of the submitting process, for a process that lives longer than its jobs (the endpoint, tests);
    if that process dies, its jobs are reconciled to Failed by the next reader (`reconcile.py`).
    """

    DETACHED = "detached"
    THREAD = "thread"


class Staging(StrEnum):
    """Where each host's /opt/ml lives (launcher/local/hostfiles.py).

    BIND: a folder of the job's, bind-mounted; needs an engine on this machine's kernel that sees the
    jobs folder. VOLUME: a Docker volume, filled and emptied through the engine's API; works with any
    engine, slower. Unset (None): bind when the engine allows it, else volume.
    """

    BIND = "bind"
    VOLUME = "volume"


class Keep(Enum):
    """Whose containers outlive the job's teardown (stopped, labelled `byoc.job`, `byoc.host`; `byoc clean`
    removes them): none; FAILED, the hosts that exited non-zero in a job that failed (`byoc run --keep`, for
    `docker inspect` and `byoc debug`); ALL (`byoc check`, which diffs every host's filesystem)."""

    NONE = "none"
    FAILED = "failed"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class LocalOptions:
    jobs_dir: Path
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None  # S3 endpoint for s3:// inputs and outputs (a moto server in tests)
    stop_grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS
    continuous_interval_seconds: float = 1.0
    # Passes over each Pipe input (FIFOs <name>_0 ... _<n-1>), each offered once the previous is consumed.
    pipe_epochs: int = 1
    # Each host stages (File) or streams (Pipe) at most the first N objects of its share of each input
    # (`byoc replay --sample N`): a quick local try of a job whose inputs are large. None: everything.
    sample_objects: int | None = None
    supervision: Supervision = Supervision.THREAD
    staging: Staging | None = None  # None: chosen per job, see Staging
    # Bind staging stages a job's inputs once behind overlay volumes where that saves copies (layers.py);
    # False: a plain copy in each host's folder (`byoc check` watches the reads there).
    layered_inputs: bool = True
    credentials_image: str = DEFAULT_CREDENTIALS_IMAGE
    # Each host's CPU and memory limits are its instance type's (resources.py); False: no limits.
    resource_limits: bool = True
    gpu_fallback: GpuFallback = GpuFallback.ERROR  # a GPU type on an engine without GPUs: fail, or run on CPU
    keep: Keep = Keep.NONE
    # Called with the job's folder once every host's folder is staged, before any container starts
    # (`byoc check` watches them from then on).
    on_staged: Callable[[Path], None] | None = None
    # Run by a DETACHED supervisor once its job has ended and its lock is released, before it exits (the CLI's
    # keeps the process warm for the next command, launcher/cli/warm.py).
    after_job: Callable[[], None] | None = None
    # The pool a multi-host job's network is leased from and goes back to, kept while the CLI's warm process lives
    # (network_pool.py); None: each such job makes its own network and removes it.
    network_pool: str | None = None
    # Resolve the launcher's AWS credentials in one botocore session per process, kept while the environment and
    # AWS config files stay the same (credentials.py): for processes that run one job each, as the CLI's
    # supervisors do. False: a session of its own for each job (`byoc serve` runs many at once in one process).
    reuse_aws_session: bool = False
