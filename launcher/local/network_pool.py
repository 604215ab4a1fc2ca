"""Networks of finished multi-host jobs, kept for the next job while a warm `byoc` lives (launcher/cli/warm.py).

Hosts that resolve each other by name need a user-defined network (so does a network-isolated job, on
an internal one). Docker 20.10 takes 60-80 ms to make one and 150-200 ms to remove one (its bridge and
iptables rules). The hosts can be created only once it exists, and a job ends only once it is gone, so
most of that is on the job's path. So a job that the CLI runs while a warm process will be there to
clean up does not remove its network at its end. Once none of its containers is on it, the network goes
back to the pool, unless the pool already holds `MAX_KEPT` networks of its kind. The next job of the
pool takes it, and the warm process removes the pool's networks when it retires; `byoc clean` does too.
Nothing of a job is left on a pooled network: its containers and their names on it go with the job. The
network carries no job's label, only the pool's.

One job at a time uses a pooled network. A job leases one by binding an abstract socket named after it
(before it makes a new one, so that a pool being removed cannot take it meanwhile), and the kernel frees
the name when the job's process ends, however it ends. Abstract sockets are seen only in their own
network namespace, so a pool is one machine's, one network namespace's, one user's, one Python
installation's and one engine's: two containers sharing an engine's socket never share a pool.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import sys
from pathlib import Path

LABEL_POOL = "byoc.network-pool"  # its value: "<pool>/<kind>" (`kind`)
NAME_PREFIX = "byoc-pool-"
MAX_KEPT = 4  # networks of one kind a pool keeps: each holds one of the engine's address ranges


class Lease:
    """The right to use one pooled network until `release()` (or this process's end)."""

    def __init__(self, name: str, lock: socket.socket) -> None:
        self.name = name
        self._lock = lock

    def release(self) -> None:
        self._lock.close()


def lease(name: str) -> Lease | None:
    """A lease on the pooled network of this name, or None while another job holds one."""
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0byoc-network-{name}")
    except OSError:
        lock.close()
        return None
    return Lease(name, lock)


def new_name() -> str:
    return f"{NAME_PREFIX}{secrets.token_hex(6)}"


def pool_name() -> str:
    """This process's pool: a hash of its user, Python installation, machine boot, network namespace and engine."""
    parts = [str(os.getuid()), sys.prefix, _read("/proc/sys/kernel/random/boot_id"), _namespace("net"),
             os.environ.get("DOCKER_HOST", "")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def kind(pool: str, isolated: bool) -> str:
    """The pool label's value for a job's network: an isolated job's (internal) and the others' never mix."""
    return f"{pool}/{'isolated' if isolated else 'bridge'}"


def in_pool(labels: dict[str, str] | None, pool: str) -> bool:
    return (labels or {}).get(LABEL_POOL, "").startswith(f"{pool}/")


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _namespace(name: str) -> str:
    try:
        return os.readlink(f"/proc/self/ns/{name}")
    except OSError:
        return ""
