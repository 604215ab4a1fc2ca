"""Split one input's objects between the hosts of a job (`S3DataDistributionType`).

FullyReplicated: every host gets every object.

ShardedByS3Key: the objects are sorted by key and dealt round-robin, object i to host i % N (host 0 is
`algo-1`). Why this assignment, given that SageMaker does not document its own (contract §4):
  - the documented promise is "about the same number of input objects" per instance, and with more
    instances than objects some instances get nothing; round-robin gives every host floor(n/N) or
    ceil(n/N) objects and leaves hosts N-n..N-1 empty when n < N;
  - objects were observed arriving in key order (Pipe job), and sorting first keeps that order within
    each shard;
  - it depends only on the set of keys and N, so reruns and every host compute the same shards, and
    listing pages or manifest order cannot change them.
Contiguous ranges would be equally defensible; a job must not rely on which host gets which key.
An empty shard is not an error: that host's LocalPath is just an empty folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from launcher.storage.listing import SourceObject

__all__ = ["Distribution", "shard"]


class Distribution(StrEnum):
    """`ProcessingS3Input.S3DataDistributionType`."""

    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


def shard(
    objects: Sequence[SourceObject], host_count: int, distribution: Distribution
) -> list[list[SourceObject]]:
    """One list of objects per host (index 0 = algo-1), each in key order; see the module docstring."""
    if host_count < 1:
        raise ValueError(f"host_count must be at least 1, got {host_count}")
    ordered = sorted(objects, key=lambda obj: obj.sort_key)
    if distribution == Distribution.FULLY_REPLICATED:
        return [list(ordered) for _ in range(host_count)]
    return [ordered[host::host_count] for host in range(host_count)]
