"""The network pool (launcher/local/network_pool.py) on the real engine: one job at a time on a pooled network,
released networks reused with nothing of their last job on them, at most MAX_KEPT kept, a kept host's network
removed, and a drain that leaves the networks jobs hold."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import docker
import pytest

from launcher.local import network_pool
from launcher.local.cluster import Cluster, ClusterSpec, HostSpec, drain_pool, engine
from launcher.local.network_pool import LABEL_POOL
from tests.launcher.conftest import BASE_IMAGE


@pytest.fixture
def pool() -> Iterator[str]:
    """A pool of this test's own; drained after it, whatever the test left."""
    name = f"test-{secrets.token_hex(4)}"
    yield name
    client = engine()
    drain_pool(client, name)
    assert not pooled(name), "a network of the test's pool is left"
    client.close()


def pooled(pool: str) -> dict[str, int]:
    """The pool's networks by name: how many containers each has on it."""
    client = docker.from_env()
    found = {}
    for network in client.networks.list(filters={"label": [LABEL_POOL]}):
        if network_pool.in_pool(network.attrs.get("Labels"), pool):
            with contextlib.suppress(docker.errors.NotFound):  # removed since it was listed
                network.reload()
                found[network.name] = len(network.attrs.get("Containers") or {})
    client.close()
    return found


def cluster(pool: str, job: str, tmp_path: Any) -> Cluster:
    """A 2-host job's cluster with its containers created (not started) on a network of `pool`."""
    hosts = tuple(HostSpec(f"algo-{i}", str(tmp_path), {}) for i in (1, 2))
    made = Cluster(engine(2), ClusterSpec(job_name=job, folder=str(tmp_path), image=BASE_IMAGE, entrypoint=("true",),
                                          arguments=None, hosts=hosts, network_pool=pool))
    made.create()
    return made


def network_of(made: Cluster) -> str:
    attrs = docker.from_env().api.inspect_container(made.containers["algo-1"])
    (name,) = attrs["NetworkSettings"]["Networks"]
    return str(name)


def test_a_held_network_is_not_shared_and_a_released_one_is_reused_empty(pool: str, tmp_path: Any) -> None:
    first = cluster(pool, f"pool-a-{pool}", tmp_path)
    second = cluster(pool, f"pool-b-{pool}", tmp_path)
    try:
        assert network_of(first) != network_of(second), "two jobs at once on one pooled network"
        taken = network_of(first)
    finally:
        first.remove()
    assert pooled(pool)[taken] == 0, "the job's containers are still on the network it gave back"
    third = cluster(pool, f"pool-c-{pool}", tmp_path)
    try:
        assert network_of(third) == taken, "a released network was not reused"
        drain_pool(engine(), pool)  # the warm process retires while two jobs hold their networks
        assert set(pooled(pool)) == {taken, network_of(second)}, "a drain removed a network a job holds"
    finally:
        second.remove()
        third.remove()
    drain_pool(engine(), pool)
    assert not pooled(pool)


def test_a_pool_keeps_at_most_max_kept_networks_of_a_kind(pool: str, tmp_path: Any) -> None:
    made = [cluster(pool, f"pool-{i}-{pool}", tmp_path) for i in range(network_pool.MAX_KEPT + 1)]
    for each in made:
        each.remove()
    assert len(pooled(pool)) == network_pool.MAX_KEPT


def test_a_job_that_keeps_a_host_removes_its_network(pool: str, tmp_path: Any) -> None:
    made = cluster(pool, f"pool-keep-{pool}", tmp_path)
    kept = made.containers["algo-1"]
    taken = network_of(made)
    try:
        made.remove(keep=("algo-1",))
        assert taken not in pooled(pool), "a network with a kept host's container on it went back to the pool"
    finally:
        docker.from_env().api.remove_container(kept, force=True)
