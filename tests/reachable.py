"""A moto server that this process and an engine's containers reach at one URL, with nothing changed on the host.

A container's 127.0.0.1 is its own, so the server listens on an address of this machine that containers reach:
the gateway of a network the tests create in the engine, which is an address of a bridge on this machine for an
engine on this kernel (Docker, rootful Podman). Containers on other networks (every job's own) reach it through
their gateway, as any address of the host. A container kept running on the network keeps the bridge up: Podman
makes the bridge only while a container uses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.server import ThreadedMotoServer

TEST_LABEL = "byoc.test"


@contextmanager
def host_gateway(client: Any, image: str) -> Iterator[str]:
    """An address of this machine that the engine's containers reach, for the block's duration."""
    name = f"byoc-test-gateway-{uuid.uuid4().hex[:8]}"
    network = client.networks.create(name, driver="bridge", labels={TEST_LABEL: "gateway"})
    keeper = None
    try:
        keeper = client.containers.run(image, entrypoint=["sleep", "infinity"], command=[], name=name,
                                       network=name, labels={TEST_LABEL: "gateway"}, detach=True)
        network.reload()
        yield str(network.attrs["IPAM"]["Config"][0]["Gateway"]).split("/")[0]
    finally:
        if keeper is not None:
            keeper.remove(force=True)
        network.remove()


@contextmanager
def moto_server(address: str) -> Iterator[str]:
    """A real moto server on `address` (any free port); its URL."""
    server = ThreadedMotoServer(ip_address=address, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
