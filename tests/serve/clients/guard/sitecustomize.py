"""Loaded by every client process the serve tests start (PYTHONPATH): a connection or name lookup that would
leave this machine is refused and written to $BYOC_GUARD_LOG, so a test fails even if the SDK swallowed it."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

_LOG = os.environ.get("BYOC_GUARD_LOG")
_LOCAL = {"localhost"}


def _local(host: object) -> bool:
    if not isinstance(host, str):
        return host is None
    if host in _LOCAL:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> ConnectionRefusedError:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(what + "\n")
    return ConnectionRefusedError(f"refused by the test guard: {what}")


_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        raise _refuse(f"connect {address[0]}:{address[1]}")
    _connect(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if not _local(name):
        raise _refuse(f"lookup {name}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
socket.getaddrinfo = _guarded_getaddrinfo
