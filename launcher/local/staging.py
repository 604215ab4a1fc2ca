"""Puts each input where each host's container expects it, before the containers start (File mode).

One listing per input, then SageMaker's distribution: FullyReplicated gives every host everything,
ShardedByS3Key deals the key-sorted objects round-robin (launcher/storage/sharding.py). Here each
host gets its own copy, so no container can change another's input or the user's original files;
layers.py stages an object once for every host that gets it, where the engine allows. Every input
counts what it moved on its Meter (progress.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from launcher.definition import ProcessingInput
from launcher.local.progress import Meter, Meters, unmetered
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3ClientProvider
from launcher.storage.listing import S3DataType, SourceObject, list_source
from launcher.storage.locations import parse_location
from launcher.storage.sharding import Distribution, shard
from launcher.storage.transfer import download_all


def plan_input(channel: ProcessingInput, hosts: tuple[str, ...], s3: S3ClientProvider,
               sample: int | None = None) -> list[list[SourceObject]]:
    """The objects of one input for each host (index 0 = algo-1); with `sample`, the first that many of each
    host's share (key order), after distribution, so a sampled job still sees how its data is spread."""
    assert channel.source is not None, "an S3 input of a validated definition has a source"
    objects = list_source(parse_location(channel.source), S3DataType(channel.s3_data_type), s3)
    shards = shard(objects, len(hosts), Distribution(channel.s3_data_distribution_type))
    return shards if sample is None else [objects[:sample] for objects in shards]


T = TypeVar("T")

InputPlans = dict[str, dict[str, list[SourceObject]]]
"""Input name -> host -> the objects of that input the host gets, in order."""


def plan_inputs(inputs: tuple[ProcessingInput, ...], hosts: tuple[str, ...], s3: S3ClientProvider,
                sample: int | None = None) -> InputPlans:
    """Every input's objects for each host: listed once, sharded as the input says (and sampled, see
    `plan_input`)."""
    plans = {}
    for channel in inputs:
        assert channel.input_name is not None, "a normalized S3 input"
        plans[channel.input_name] = dict(zip(hosts, plan_input(channel, hosts, s3, sample), strict=True))
    return plans


def stage_file_inputs(
    inputs: tuple[ProcessingInput, ...],
    workspace: JobWorkspace,
    hosts: tuple[str, ...],
    s3: S3ClientProvider,
    on_host_done: Callable[[str], None],
    sample: int | None = None,
    meters: Meters = unmetered,
) -> InputPlans:
    """Copy every File-mode input into every host's folder; returns input -> host -> its objects.

    Pipe-mode inputs are planned here too (their shards are returned) but streamed later by the feeder,
    so `sample` (see `plan_input`) limits both.
    """
    plans = plan_inputs(inputs, hosts, s3, sample)
    stage_planned(plans, inputs, workspace, hosts, s3, on_host_done, meters)
    return plans


def stage_planned(plans: InputPlans, inputs: tuple[ProcessingInput, ...], workspace: JobWorkspace,
                  hosts: tuple[str, ...], s3: S3ClientProvider, on_host_done: Callable[[str], None],
                  meters: Meters) -> None:
    """`stage_file_inputs` once the inputs are planned: a copy of each host's objects in its own folder."""
    for channel in inputs:
        assert channel.destination is not None, "a normalized S3 input"
        for host in hosts:
            workspace.host_path(host, channel.destination).mkdir(parents=True, exist_ok=True)

    files = [c for c in inputs if c.s3_input_mode == "File"]
    for channel in files:
        assert channel.input_name is not None, "a normalized S3 input"
        shards = plans[channel.input_name].values()
        meters(channel.input_name).expect(sum(map(len, shards)), sum(o.size for shard in shards for o in shard))

    def stage_host(host: str) -> None:
        for channel in files:
            assert channel.input_name is not None and channel.destination is not None
            fetch(plans[channel.input_name][host], workspace.host_path(host, channel.destination), s3,
                  meters(channel.input_name))
        on_host_done(host)

    in_parallel(hosts, stage_host)


def fetch(objects: Sequence[SourceObject], folder: Path, s3: S3ClientProvider, meter: Meter, *,
          link: bool = False) -> None:
    """One input's objects (of one host, or of all) into `folder`, counted on `meter`; `link`: see download_all."""
    folder.mkdir(parents=True, exist_ok=True)
    download_all(((obj, folder.joinpath(*obj.relative_path.parts)) for obj in objects), s3, progress=meter.moved,
                 done=meter.finished, link=link)


def in_parallel(items: Sequence[T], action: Callable[[T], None]) -> None:
    """`action` on every item at once (8 at most in parallel); the first error is raised once all ended."""
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(len(items), 8)) as pool:
        list(pool.map(action, items))
