"""The one place that decides the address job containers use to reach this endpoint (its S3, for one).

A container's 127.0.0.1 is its own. Today the local backend's credentials endpoint lives on 169.254.170.2, which
`make engine` puts on the host's loopback and containers reach through their gateway; the endpoint listens
there too and gives containers that address. Without it, containers get the loopback address and cannot
reach the endpoint (said once at start); host-side staging still works. When the way containers reach host
services changes, only this module changes.
"""

from __future__ import annotations

import socket

from launcher.local.credentials import ENDPOINT_ADDRESS


def container_address() -> str | None:
    """The host address job containers can reach, or None when this host does not have it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((ENDPOINT_ADDRESS, 0))
        except OSError:
            return None
    return ENDPOINT_ADDRESS


UNREACHABLE = (f"job containers cannot reach this endpoint: {ENDPOINT_ADDRESS} is not on this host's loopback "
               "(`make engine` as root adds it); jobs can still read and write S3 through the launcher's staging, "
               "but code inside a job that calls S3 itself will fail")
