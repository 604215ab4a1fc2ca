"""Puts each input where each host's container expects it, before the containers start (File mode).

One listing per input, then SageMaker's distribution: FullyReplicated gives every host everything,
ShardedByS3Key deals the key-sorted objects round-robin (launcher/storage/sharding.py). Each host
gets its own copy, so no container can change another's input or the user's original files.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from launcher.definition import ProcessingInput
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3ClientProvider
from launcher.storage.listing import S3DataType, SourceObject, list_source
from launcher.storage.locations import parse_location
from launcher.storage.sharding import Distribution, shard
from launcher.storage.transfer import download


def plan_input(channel: ProcessingInput, hosts: tuple[str, ...], s3: S3ClientProvider,
               sample: int | None = None) -> list[list[SourceObject]]:
    """The objects of one input for each host (index 0 = algo-1); with `sample`, the first that many of each
    host's share (key order), after distribution, so a sampled job still sees how its data is spread."""
    assert channel.source is not None, "an S3 input of a validated definition has a source"
    objects = list_source(parse_location(channel.source), S3DataType(channel.s3_data_type), s3)
    shards = shard(objects, len(hosts), Distribution(channel.s3_data_distribution_type))
    return shards if sample is None else [objects[:sample] for objects in shards]


def stage_file_inputs(
    inputs: tuple[ProcessingInput, ...],
    workspace: JobWorkspace,
    hosts: tuple[str, ...],
    s3: S3ClientProvider,
    on_host_done: Callable[[str], None],
    sample: int | None = None,
) -> dict[str, dict[str, list[SourceObject]]]:
    """Copy every File-mode input into every host's folder; returns input -> host -> its objects.

    Pipe-mode inputs are planned here too (their shards are returned) but streamed later by the feeder,
    so `sample` (see `plan_input`) limits both.
    """
    plans: dict[str, list[list[SourceObject]]] = {}
    for channel in inputs:
        assert channel.input_name is not None and channel.destination is not None, "a normalized S3 input"
        plans[channel.input_name] = plan_input(channel, hosts, s3, sample)
        for host in hosts:
            workspace.host_path(host, channel.destination).mkdir(parents=True, exist_ok=True)

    def stage_host(index: int) -> None:
        host = hosts[index]
        for channel in inputs:
            if channel.s3_input_mode == "File":
                assert channel.input_name is not None and channel.destination is not None
                download(plans[channel.input_name][index], workspace.host_path(host, channel.destination), s3)
        on_host_done(host)

    with ThreadPoolExecutor(max_workers=min(len(hosts), 8)) as pool:
        list(pool.map(stage_host, range(len(hosts))))
    return {name: dict(zip(hosts, shards, strict=True)) for name, shards in plans.items()}
