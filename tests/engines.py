"""Helpers for tests that run jobs on more than one engine (Docker, Podman, rootless Docker).

`copy_image`: the engines do not share an image store and none can pull here, so an image `make build` put
in Docker's store is copied into another engine's, `docker save` into `docker load` through the two APIs.

`host_gateway` + `moto_server`: a moto server that this process and an engine's containers reach at one URL,
with nothing changed on the host: it listens on the gateway of a network made in the engine, as `byoc serve`
does for its S3 (launcher/local/gateway.py). Rootless engines' containers reach it too: their packets leave
through slirp4netns, which connects from this machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docker.errors import APIError, ImageNotFound
from moto.server import ThreadedMotoServer

from launcher.local import gateway


def copy_image(source: Any, target: Any, name: str) -> bool:
    """Load `name` from the `source` engine into `target` unless it is already the same image; whether it loaded."""
    wanted = source.images.get(name)
    try:
        held = target.images.get(name).id
    except ImageNotFound:
        held = None
    if held == wanted.id:
        return False
    target.images.load(source.api.get_image(name, chunk_size=1 << 20))  # `docker save NAME`: tagged NAME
    if held is not None:
        with contextlib.suppress(APIError):  # a container may still use the copy it replaces
            target.images.remove(held)
    return True


@contextmanager
def host_gateway(client: Any, image: str) -> Iterator[str]:
    """An address of this machine that the engine's containers reach, for the block's duration (the launcher's
    own way, launcher/local/gateway.py); an engine without one fails the test."""
    with gateway.host_gateway(client, image, "test") as address:
        assert address is not None, f"the engine at {client.api.base_url} has no network gateway on this machine"
        yield address


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
