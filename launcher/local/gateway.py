"""An address of this machine that an engine's containers reach, with nothing changed on the host.

A container's 127.0.0.1 is its own. A server that job containers must call (the embedded S3 of
`byoc serve`, a test's moto) listens on the gateway of a network created in the engine for it: for an
engine on this kernel (Docker, rootful Podman) that is an address of a bridge on this machine, and
containers on other networks (every job's own) reach it through their own gateway, as any address of
the host. Podman makes the bridge only while a container uses it, so where the gateway is not up once
the network exists, a container of `keeper_image` sleeps on it for as long as the address is needed.
An engine elsewhere (a remote DOCKER_HOST, Docker Desktop's VM, a rootless engine's namespace) has
its gateway on another kernel: then there is no such address, and the caller says so.

A process killed inside the block (SIGKILL, a machine that went down) cannot remove what it made: each
network names its owner process, and the next block on this machine first removes those whose owner is
gone, so they do not pile up in the engine and use up its address pools.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docker.errors import APIError, ImageNotFound

from launcher.local.launch import pid_alive

# What the network is for, e.g. "serve". Not the kit's job labels: `byoc clean` must not take the address
# from a server still using it; the block that made them removes them.
LABEL_GATEWAY = "byoc.gateway"
LABEL_OWNER = "byoc.gateway.owner"  # <host name>:<PID namespace>:<pid> of the process whose block made it


@contextmanager
def host_gateway(client: Any, keeper_image: str, purpose: str) -> Iterator[str | None]:
    """An address of this machine that `client`'s containers reach, for the block's duration; None if none."""
    name = f"byoc-gateway-{purpose}-{uuid.uuid4().hex[:8]}"
    labels = {LABEL_GATEWAY: purpose, LABEL_OWNER: owner(os.getpid())}
    _remove_orphans(client)
    network = client.networks.create(name, driver="bridge", labels=labels)
    keeper = None
    try:
        address = _gateway(network)
        if address is not None and not _is_this_machine(address):
            with contextlib.suppress(ImageNotFound, APIError):
                keeper = client.containers.run(keeper_image, entrypoint=["sleep", "infinity"], command=[], name=name,
                                               network=name, labels=labels, detach=True)
            address = _gateway(network)
        yield address if address is not None and _is_this_machine(address) else None
    finally:
        if keeper is not None:
            with contextlib.suppress(APIError):
                keeper.remove(force=True)
        with contextlib.suppress(APIError):
            network.remove()


def _remove_orphans(client: Any) -> None:
    """Remove the gateways (and keepers) whose owner was a process of this machine (and PID namespace: a container
    with the host's name and engine has its own pids) that is gone."""
    here = _here()
    for network in client.networks.list(filters={"label": LABEL_GATEWAY}):
        owner = str((network.attrs.get("Labels") or {}).get(LABEL_OWNER, ""))
        if not owner.startswith(here) or not owner[len(here):].isdigit() or pid_alive(int(owner[len(here):])):
            continue
        with contextlib.suppress(APIError):  # gone already, or another block is removing it
            client.api.remove_container(network.name, force=True)
        with contextlib.suppress(APIError):
            network.remove()


def owner(pid: int) -> str:
    """The owner label of a gateway made by the process `pid` of this machine and PID namespace."""
    return f"{_here()}{pid}"


def _here() -> str:
    """The owner label's prefix for this process: its host name and PID namespace."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # no /proc (macOS): one namespace
        namespace = 0
    return f"{socket.gethostname()}:{namespace}:"


def _gateway(network: Any) -> str | None:
    network.reload()
    configs = (network.attrs.get("IPAM") or {}).get("Config") or []
    for config in configs:
        gateway = str(config.get("Gateway") or "").split("/")[0]
        if gateway and ":" not in gateway:
            return gateway
    return None


def _is_this_machine(address: str) -> bool:
    """Binding to an address succeeds only where one of this machine's interfaces holds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True
