"""Where each host's /opt/ml lives, and how files get into and out of it: a bind-mounted folder, or a Docker volume.

    bind    hosts/<host>/ml/ in the job folder, bind-mounted: config files and inputs are written there,
            outputs and the exit message read there, Pipe FIFOs made and fed there by threads of the
            launcher (feeder.py). Needs an engine on this machine's kernel that sees the jobs folder.
    volume  a Docker volume per host (volumes.py), filled and emptied through the engine's API, for an
            engine elsewhere (another machine, Docker Desktop's VM). hosts/<host>/ml/ still holds what went
            in (config files, manifests) and, once the hosts have exited, what came out (outputs, the exit
            message), so conflicts, uploads and the outcome read one folder in both modes; Continuous
            outputs are brought there while the job runs; Pipe FIFOs are fed from inside the engine by a
            small container next to the job (volume_feeder.py).

`host_files` picks per job: what LocalOptions.staging forces, else bind when the engine is on this
machine's kernel and proven to see the jobs folder (sharing.py), else volume, with a notice saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from launcher.definition import JobDefinition
from launcher.local.disk_space import check_volume
from launcher.local.feeder import FeedError, PipeFeeder, pipe_channels
from launcher.local.hostconfig import write_host_files
from launcher.local.options import Staging
from launcher.local.progress import Meters
from launcher.local.staging import InputPlans, plan_inputs, stage_planned
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3ClientProvider


@dataclass(frozen=True, slots=True)
class JobFiles:
    """What staging needs to know of the job."""

    job: JobDefinition
    request: Mapping[str, Any]
    arn: str
    workspace: JobWorkspace
    hosts: tuple[str, ...]
    s3: S3ClientProvider
    pipe_epochs: int
    sample: int | None = None  # at most this many objects of each input per host
    # Container folders of outputs the job delivers itself (Feature Store, emulation.kept_folders): brought
    # into hosts/<host>/ml/ like any output, never uploaded.
    kept: tuple[str, ...] = ()

    def plan_inputs(self) -> InputPlans:
        """Every input's objects for each host, once they are known to fit each host's volume (disk_space.py):
        both stagings call this before they copy anything."""
        plans = plan_inputs(self.job.inputs, self.hosts, self.s3, self.sample)
        check_volume(self.job.inputs, plans, self.job.volume_size_in_gb)
        return plans


class Feeder(Protocol):
    """Streams the Pipe inputs into their FIFOs while the job runs (feeder.py, volume_feeder.py)."""

    @property
    def error(self) -> FeedError | None: ...
    @property
    def failed(self) -> bool: ...
    @property
    def opened(self) -> frozenset[tuple[str, str]]:
        """(input name, host) of every channel whose FIFO a reader opened (warnings: a Pipe nobody read)."""
        ...
    def prepare(self) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Feeder: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class HostFiles(Protocol):
    mode: Staging

    @property
    def sees_opens(self) -> bool:
        """Whether a container's open of an input file reaches an inotify watch on hosts/<host>/ml/ (opens.py)."""
        ...

    def mount(self, host: str) -> tuple[str, bool]:
        """What the host's container mounts at /opt/ml: (a folder here or a volume's name, is it a volume)."""
        ...

    def stage(self, on_host_done: Callable[[str], None], meters: Meters) -> InputPlans:
        """Config files, output folders and File-mode inputs in place for every host, each input's progress
        counted on its Meter; the inputs' plans."""
        ...

    def feeder(self, plans: InputPlans) -> Feeder: ...

    def refresh(self) -> None:
        """While the job runs: bring its Continuous outputs into hosts/<host>/ml/."""
        ...

    def collect(self) -> None:
        """Once every host has exited: bring its outputs and exit message into hosts/<host>/ml/."""
        ...

    def remove(self, keep: Collection[str] = ()) -> None:
        """Remove what staging made in the engine (after the hosts' containers), but what the hosts in `keep`
        mount (their containers are kept: `LocalOptions.keep`); safe to call twice."""
        ...


class BindFiles:
    """Each host's /opt/ml is hosts/<host>/ml/ of the job folder, bind-mounted: nothing to bring in or out."""

    mode = Staging.BIND

    def __init__(self, files: JobFiles) -> None:
        self.files = files

    @property
    def sees_opens(self) -> bool:
        return True

    def mount(self, host: str) -> tuple[str, bool]:
        return str(self.files.workspace.host_ml(host)), False

    def stage(self, on_host_done: Callable[[str], None], meters: Meters) -> InputPlans:
        f = self.files
        write_host_files(f.workspace, f.job, f.request, f.arn, f.hosts)
        plans = f.plan_inputs()
        stage_planned(plans, f.job.inputs, f.workspace, f.hosts, f.s3, on_host_done, meters)
        return plans

    def feeder(self, plans: InputPlans) -> Feeder:
        f = self.files
        return PipeFeeder(pipe_channels(f.job.inputs, plans, f.workspace), f.s3, epochs=f.pipe_epochs,
                          spool=f.workspace.folder)

    def refresh(self) -> None:
        """The containers write into the folder itself."""

    def collect(self) -> None:
        """The containers wrote into the folder itself."""

    def remove(self, keep: Collection[str] = ()) -> None:
        """The folder stays with the job; nothing was made in the engine."""
