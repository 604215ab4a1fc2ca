"""The one place that decides the address job containers use to reach this endpoint (its S3, for one).

A container's 127.0.0.1 is its own. While the endpoint runs it also listens on the gateway of a network it
makes in the engine (launcher/local/gateway.py): an address of this machine that job containers reach, with
nothing changed on the host. Without one (no engine answers, or it runs elsewhere: a remote DOCKER_HOST,
Docker Desktop, a rootless engine), containers get the loopback address and cannot reach the endpoint (said
once at start); host-side staging still works. When the way containers reach host services changes, only
this module changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from launcher.errors import EngineError
from launcher.local.cluster import engine
from launcher.local.gateway import host_gateway


@contextmanager
def container_address(keeper_image: str) -> Iterator[str | None]:
    """For the block's duration, the address of this machine job containers reach, or None when there is none."""
    try:
        client = engine()
    except EngineError:
        client = None
    if client is None:
        yield None
        return
    with host_gateway(client, keeper_image, "serve") as address:
        yield address


UNREACHABLE = ("job containers cannot reach this endpoint: the engine's networks have no gateway on this machine "
               "(no engine answers, or it runs elsewhere: a remote DOCKER_HOST, Docker Desktop, a rootless engine); "
               "jobs can still read and write S3 through the launcher's staging, but code inside a job that calls "
               "S3 itself will fail")
