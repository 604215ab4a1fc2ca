"""Bind staging with inputs staged once: each host's /opt/ml is an overlay of read-only input layers under
the host's own folder, so an object several hosts get is fetched and stored once, and a local file is
not copied at all.

    inputs/shared/<...>   in the job folder: every object of each FullyReplicated File input, fetched
                          once for all the hosts (S3: one download per object per job)
    inputs/<host>/<...>   the objects only this host gets (its share of a ShardedByS3Key input)
    hosts/<host>/ml/      as with plain bind mounts: config files, outputs, the exit message

Local files are hard-linked into the layers (copied only where they cannot be: another filesystem, a
file of another user's). Each host's /opt/ml is a Docker volume of the engine's `local` driver with
type overlay, mounted by the engine as the container starts:

    lowerdir  inputs/<host>:inputs/shared   read-only: the overlay never writes to a lower layer
    upperdir  hosts/<host>/ml               the host's own: whatever it writes lands here, where the
                                            uploads and the outcome read it, as with a bind mount
    workdir   hosts/<host>/overlay-work     the overlay's scratch

A host that changes an input file gets its own copy of that file on the first write (copy-up into its
upper folder); one that deletes it leaves a whiteout in its upper folder: no other host, and no
original file of the user's, sees either. Why an overlay: reflinks would do it file by file, but ext4
(Debian's default) has none, and a hard link alone shares the inode, so one host's write in place
would reach every host and the user's file. The engine makes the mount (it is root), so the launcher
needs no privilege; it needs an engine on this machine's kernel that sees the jobs folder, which bind
staging proves first (placement.py).

`layered` says when a job may get this, else plain bind mounts (hostfiles.BindFiles, a copy per host):
- something to save: a File input that several hosts get, or a local source; and once the inputs are
  listed, at least MIN_SAVED_BYTES of copies saved (below that, copying costs less than making and
  mounting a volume per host, so a script's `code` alone is copied as before);
- no Pipe input: a FIFO read through an overlay is another pipe than the one the launcher opens in the
  upper folder, so no byte would cross;
- no output folder inside an input's folder or holding one: the uploads read the upper folder only.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Collection
from pathlib import PurePosixPath
from typing import Any

from docker.errors import APIError

from launcher.definition import JobDefinition
from launcher.errors import EngineError
from launcher.local.cluster import labels
from launcher.local.hostconfig import write_host_files
from launcher.local.hostfiles import BindFiles, JobFiles
from launcher.local.progress import Meters
from launcher.local.staging import InputPlans, fetch, in_parallel, stage_planned
from launcher.local.workspace import CONTAINER_ML
from launcher.storage.locations import LocalLocation, parse_location

SHARED = "shared"
MIN_SAVED_BYTES = 8 << 20


def layered(job: JobDefinition, hosts: int) -> bool:
    """Whether the job's inputs are staged once behind overlays (see the module docstring)."""
    files = [i for i in job.inputs if i.s3_input_mode == "File"]
    if any(i.s3_input_mode == "Pipe" for i in job.inputs) or not files:
        return False
    saves = any((hosts > 1 and i.s3_data_distribution_type == "FullyReplicated")
                or isinstance(parse_location(i.source or ""), LocalLocation) for i in files)
    folders = [PurePosixPath(i.destination or "") for i in files]
    outputs = [PurePosixPath(o.source or "") for o in job.outputs]
    nested = any(a.is_relative_to(b) or b.is_relative_to(a) for a in outputs for b in folders)
    return saves and not nested


def saved_bytes(job: JobDefinition, plans: InputPlans) -> int:
    """The bytes of copies layers save: each host's copy of a local file, all but one of a replicated one."""
    saved = 0
    for channel in job.inputs:
        assert channel.input_name is not None, "a normalized S3 input"
        shards = list(plans[channel.input_name].values())
        size = sum(o.size for shard in shards for o in shard)
        if isinstance(parse_location(channel.source or ""), LocalLocation):
            saved += size
        elif channel.s3_data_distribution_type == "FullyReplicated":
            saved += size - (sum(o.size for o in shards[0]) if shards else 0)
    return saved


class LayeredFiles(BindFiles):
    """Each host's /opt/ml an overlay volume over the job's input layers; see the module docstring."""

    def __init__(self, files: JobFiles, client: Any, job_name: str) -> None:
        super().__init__(files)
        self.client = client
        self.job_name = job_name
        suffix = secrets.token_hex(3)
        self.volumes = {host: f"byoc-{job_name}-{host}-{suffix}" for host in files.hosts}
        self.layers = files.workspace.folder.resolve() / "inputs"
        self.layered = False  # decided once the inputs are listed
        self._made: list[str] = []

    @property
    def sees_opens(self) -> bool:
        """Not through an overlay: the inputs are in the lower layers, whose opens reach no watch."""
        return not self.layered

    def mount(self, host: str) -> tuple[str, bool]:
        return (self.volumes[host], True) if self.layered else super().mount(host)

    def stage(self, on_host_done: Callable[[str], None], meters: Meters) -> InputPlans:
        f = self.files
        write_host_files(f.workspace, f.job, f.request, f.arn, f.hosts)
        plans = f.plan_inputs()  # checked against the volume size
        self.layered = saved_bytes(f.job, plans) >= MIN_SAVED_BYTES
        if not self.layered:
            stage_planned(plans, f.job.inputs, f.workspace, f.hosts, f.s3, on_host_done, meters)
            return plans
        for layer in (SHARED, *f.hosts):
            (self.layers / layer).mkdir(parents=True, exist_ok=True)
        jobs: list[Callable[[], None]] = []
        for channel in f.job.inputs:
            assert channel.input_name is not None and channel.destination is not None, "a normalized S3 input"
            meter, shards = meters(channel.input_name), plans[channel.input_name]
            local = isinstance(parse_location(channel.source or ""), LocalLocation)
            where = PurePosixPath(channel.destination).relative_to(CONTAINER_ML)
            if channel.s3_data_distribution_type == "FullyReplicated":  # every host the same objects
                parts = {SHARED: shards[f.hosts[0]]}
            else:
                parts = dict(shards)
            for host in f.hosts:
                (self.layers / host / where).mkdir(parents=True, exist_ok=True)
            meter.expect(sum(map(len, parts.values())), sum(o.size for p in parts.values() for o in p))
            for layer, objects in parts.items():
                jobs.append(functools.partial(fetch, objects, self.layers / layer / where, f.s3, meter, link=local))
        in_parallel(jobs, lambda job: job())
        in_parallel(f.hosts, self._create_volume)
        for host in f.hosts:
            on_host_done(host)
        return plans

    def _create_volume(self, host: str) -> None:
        workspace = self.files.workspace
        upper = workspace.host_ml(host).resolve()
        work = upper.parent / "overlay-work"
        work.mkdir(exist_ok=True)
        lower = f"{self.layers / host}:{self.layers / SHARED}"
        options = {"type": "overlay", "device": "overlay", "o": f"lowerdir={lower},upperdir={upper},workdir={work}"}
        try:
            self.client.volumes.create(self.volumes[host], driver="local", driver_opts=options,
                                       labels=labels(self.job_name, host, folder=str(workspace.folder)))
        except APIError as exc:
            raise EngineError(f"could not create {host}'s overlay volume: {exc.explanation or exc}") from exc
        self._made.append(self.volumes[host])

    def remove(self, keep: Collection[str] = ()) -> None:
        """The volumes only (the engine unmounts each once its container is gone), but those of the hosts in
        `keep`, which stay with their containers (`byoc clean` removes both); the layers and the upper folders
        stay with the job, as bind-mounted folders do."""
        kept = {self.volumes[host] for host in keep}
        made, self._made = [v for v in self._made if v not in kept], []
        in_parallel(tuple(made), self._remove_volume)

    def _remove_volume(self, name: str) -> None:
        try:
            self.client.api.remove_volume(name, force=True)
        except APIError as exc:
            if exc.status_code not in (404, 409):
                raise

