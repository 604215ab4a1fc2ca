"""Waits with deadlines, each failing with a ClusterError that says what it waited for and what it saw.

Also the probes they poll: DNS resolution of a host, a TCP port accepting connections, and the
master's JSON status page (`http://<primary>:8080/json/`), read without any proxy: these are
addresses inside the job's network, and a job's HTTP(S)_PROXY must not reroute them.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from byoc_spark.errors import ClusterError

T = TypeVar("T")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class Worker:
    host: str
    state: str
    cores: int
    memory_mb: int


def wait_for(what: str, probe: Callable[[], tuple[T | None, str]], *, timeout: float, period: float = 1.0,
             hint: str = "") -> T:
    """Poll `probe` until it returns a value; it returns (value or None, what it sees now)."""
    deadline = time.monotonic() + timeout
    while True:
        value, seen = probe()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise ClusterError(f"waited {timeout:g} s for {what}; {seen}" + (f". {hint}" if hint else ""))
        time.sleep(period)


def resolve(host: str) -> str | None:
    try:
        return socket.gethostbyname(host)
    except OSError:
        return None


def port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def master_workers(host: str, ui_port: int, timeout: float = 3.0) -> list[Worker] | None:
    """The workers the master knows (every state), or None if its status page does not answer."""
    try:
        with _NO_PROXY.open(f"http://{host}:{ui_port}/json/", timeout=timeout) as response:
            status = json.load(response)
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return [
        Worker(str(w.get("host", "")), str(w.get("state", "")), int(w.get("cores", 0)), int(w.get("memory", 0)))
        for w in status.get("workers", [])
    ]
