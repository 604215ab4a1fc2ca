"""`LocalOptions.sample_objects` (`byoc replay --sample N`): each host's share is cut after distribution."""

from __future__ import annotations

from pathlib import Path

from launcher.definition import ProcessingInput
from launcher.local.staging import plan_input
from launcher.storage.client import LazyS3Client
from launcher.storage.listing import SourceObject

HOSTS = ("algo-1", "algo-2")


def channel(folder: Path, distribution: str) -> ProcessingInput:
    folder.mkdir(exist_ok=True)
    for i in range(5):
        (folder / f"part-{i}.csv").write_text(f"{i}\n")
    return ProcessingInput(str(folder), "/opt/ml/processing/input/d", "d", s3_data_distribution_type=distribution)


def names(shards: list[list[SourceObject]]) -> list[list[str]]:
    return [[str(o.relative_path) for o in shard] for shard in shards]


def test_sample_keeps_the_first_objects_of_each_hosts_share(tmp_path: Path) -> None:
    s3 = LazyS3Client(None, "us-east-1")  # never asked: the inputs are local
    sharded = channel(tmp_path / "data", "ShardedByS3Key")
    assert names(plan_input(sharded, HOSTS, s3)) == [["part-0.csv", "part-2.csv", "part-4.csv"],
                                                      ["part-1.csv", "part-3.csv"]]
    assert names(plan_input(sharded, HOSTS, s3, 2)) == [["part-0.csv", "part-2.csv"], ["part-1.csv", "part-3.csv"]]
    replicated = channel(tmp_path / "data", "FullyReplicated")
    assert names(plan_input(replicated, HOSTS, s3, 1)) == [["part-0.csv"], ["part-0.csv"]]
    assert names(plan_input(replicated, HOSTS, s3, 9)) == names(plan_input(replicated, HOSTS, s3))
