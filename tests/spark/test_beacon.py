"""The primary's app port, on the host: open while the app runs, closed once it is over."""

from __future__ import annotations

import socket

import pytest

from byoc_spark.beacon import AppBeacon
from byoc_spark.waiting import port_open


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_port_answers_every_poll_while_open_and_refuses_once_closed() -> None:
    with AppBeacon(free_port()) as beacon:
        # More polls than a listen backlog holds: each is accepted and closed, none is left pending.
        assert all(port_open("127.0.0.1", beacon.port, timeout=2) for _ in range(50))
        beacon.close()
        assert not port_open("127.0.0.1", beacon.port, timeout=2)
    # The end of the `with` block closed it a second time, harmlessly.


def test_the_end_of_the_with_block_closes_it_on_an_error_too() -> None:
    port = free_port()
    with pytest.raises(RuntimeError, match="the app failed"), AppBeacon(port):
        assert port_open("127.0.0.1", port)
        raise RuntimeError("the app failed")
    assert not port_open("127.0.0.1", port)
