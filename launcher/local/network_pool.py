"""Networks of finished multi-host jobs, kept for the next job while a warm `byoc` lives (launcher/cli/warm.py).

Hosts that resolve each other by name need a user-defined network. Docker 20.10 takes 60-80 ms to make
one and 150-200 ms to remove one (its bridge and iptables rules). The hosts can be created only once it
exists, and a job ends only once it is gone, so most of that is on the job's path. So a job that the CLI
runs while warm starts are on does not remove its network at its end. Once none of its containers is on
it, the network goes back to the pool of its warm address. The next multi-host job of that address takes
it, and the warm process removes its pool's networks when it retires. Nothing of a job is left on a
pooled network: its containers and their names on it go with the job. The network carries no job's
label, only the pool's.

One job at a time uses a pooled network. A job leases one by binding an abstract socket named after it,
and the kernel frees the name when the job's process ends, however it ends. A network left by a process
that was killed stays in the pool until the next warm process of its address retires, or `byoc clean`.
"""

from __future__ import annotations

import socket

LABEL_POOL = "byoc.network-pool"  # its value: "<pool>/<kind>" (`kind`)


class Lease:
    """The right to use one pooled network until `release()` (or this process's end)."""

    def __init__(self, network: str, lock: socket.socket) -> None:
        self.network = network
        self._lock = lock

    def release(self) -> None:
        self._lock.close()


def lease(network: str) -> Lease | None:
    """A lease on the pooled network of this ID, or None while another job holds one."""
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0byoc-network-{network}")
    except OSError:
        lock.close()
        return None
    return Lease(network, lock)


def kind(pool: str, isolated: bool) -> str:
    """The pool label's value for a job's network: an isolated job's (internal) and the others' never mix."""
    return f"{pool}/{'isolated' if isolated else 'bridge'}"


def in_pool(labels: dict[str, str] | None, pool: str) -> bool:
    return (labels or {}).get(LABEL_POOL, "").startswith(f"{pool}/")
