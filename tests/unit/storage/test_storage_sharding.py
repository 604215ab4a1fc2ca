import random
from pathlib import PurePosixPath

import pytest

from launcher.storage import Distribution, S3Location, SourceObject, UnsafeKeyError, shard

KEYS = [f"data/part-{i}.csv" for i in range(8)]


def objects() -> list[SourceObject]:
    objs = [SourceObject(S3Location("bkt", key), PurePosixPath(key[5:]), 10) for key in KEYS]
    random.Random(7).shuffle(objs)
    return objs


@pytest.mark.parametrize("hosts", [1, 3, 4, 8, 10])
def test_sharded_by_s3_key_deals_sorted_keys_round_robin(hosts):
    shards = shard(objects(), hosts, Distribution.SHARDED_BY_S3_KEY)

    assert len(shards) == hosts
    keys = [[obj.sort_key for obj in s] for s in shards]
    assert sorted(k for s in keys for k in s) == KEYS  # every object exactly once
    assert keys == [KEYS[host::hosts] for host in range(hosts)]  # object i -> host i % N, key order
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_more_hosts_than_objects_leaves_empty_shards():
    shards = shard(objects(), 10, Distribution.SHARDED_BY_S3_KEY)
    assert [len(s) for s in shards] == [1] * 8 + [0, 0]


def test_round_robin_assignment_spelled_out():
    shards = shard(objects(), 3, Distribution.SHARDED_BY_S3_KEY)
    assert [[str(o.relative_path) for o in s] for s in shards] == [
        ["part-0.csv", "part-3.csv", "part-6.csv"],
        ["part-1.csv", "part-4.csv", "part-7.csv"],
        ["part-2.csv", "part-5.csv"],
    ]


@pytest.mark.parametrize("hosts", [1, 3])
def test_fully_replicated_gives_every_host_everything_in_key_order(hosts):
    shards = shard(objects(), hosts, "FullyReplicated")  # type: ignore[arg-type]  # plain strings work too
    assert [[o.sort_key for o in s] for s in shards] == [KEYS] * hosts
    assert len({id(s) for s in shards}) == hosts  # independent lists


def test_no_objects_gives_empty_shards():
    assert shard([], 2, Distribution.SHARDED_BY_S3_KEY) == [[], []]


def test_host_count_must_be_positive():
    with pytest.raises(ValueError, match="host_count must be at least 1, got 0"):
        shard(objects(), 0, Distribution.FULLY_REPLICATED)


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "a/../../x", ""])
def test_source_object_refuses_an_escaping_path(relative):
    with pytest.raises(UnsafeKeyError, match="s3://bkt/k"):
        SourceObject(S3Location("bkt", "k"), PurePosixPath(relative), 1)
