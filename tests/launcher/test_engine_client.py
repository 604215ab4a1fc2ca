"""`engine()`: the engine's API version is asked once per process and engine address, later clients only ping; a
remembered version the engine refuses (it was replaced meanwhile) is forgotten and asked again. `engine_info()`:
the engine's `docker info`, asked again once it is some seconds old, and kept fresh by a warm process."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from launcher.local import cluster
from launcher.local.cluster import ENGINE_ADDRESS, engine, engine_info, refresh_engine_info


def address() -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in ENGINE_ADDRESS)


def test_the_version_is_remembered_and_a_refused_one_asked_again() -> None:
    first = engine()
    version = first.api.api_version
    first.close()
    assert cluster._api_versions[address()] == version
    cluster._api_versions[address()] = "1.99"  # newer than any engine here serves: it answers 400 to it
    second = engine()
    try:
        assert second.api.api_version == version, "the refused version was kept"
        assert second.ping()
    finally:
        second.close()
    assert cluster._api_versions[address()] == version


def test_the_engines_info_is_asked_again_once_it_is_older_than_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job asks for `docker info` only when this process (or the warm one it was forked from) has none younger
    than INFO_MAX_AGE_SECONDS; the warm process takes it afresh every INFO_REFRESH_SECONDS."""
    monkeypatch.setattr(cluster, "_infos", {})
    monkeypatch.setattr(cluster, "_refreshes", {})
    client = engine()
    try:
        first = engine_info(client)
        assert first["ID"] == client.info()["ID"]
        assert engine_info(client) is first, "a young info was asked again"
        age(address(), cluster.INFO_MAX_AGE_SECONDS + 1)
        second = engine_info(client)
        assert second is not first and second["ID"] == first["ID"]
        refresh_engine_info()
        assert engine_info(client) is not second, "a refresh never tried before did nothing"
        third = engine_info(client)
        refresh_engine_info()
        assert engine_info(client) is third, "refreshed again before INFO_REFRESH_SECONDS"
    finally:
        client.close()


def test_a_refresh_leaves_no_thread_and_no_descriptor_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm process forks its commands: a refresh must leave it as it found it."""
    monkeypatch.setattr(cluster, "_refreshes", {})
    monkeypatch.setattr(cluster, "_infos", {})
    engine().close()  # the warm process has met the engine: it ran a job
    before = (threading.active_count(), sorted(os.listdir("/proc/self/fd")))
    refresh_engine_info()
    assert cluster._infos[address()][0] > time.monotonic() - 5
    assert (threading.active_count(), sorted(os.listdir("/proc/self/fd"))) == before


def test_a_refresh_from_an_engine_that_never_answers_is_bounded_and_not_retried_at_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A hung engine holds a warm process up for at most a refresh's timeout, then not again for a while; and leaves
    it no connection."""
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(tmp_path / "hung.sock"))
    hung.listen(8)  # connections wait in the backlog; nothing ever answers them
    monkeypatch.setattr(cluster, "_refreshes", {})
    try:
        with monkeypatch.context() as there:  # undone before the fixtures' own engine checks
            there.setenv("DOCKER_HOST", f"unix://{tmp_path / 'hung.sock'}")
            there.setitem(cluster._api_versions, address(), "1.41")  # a version learnt from it when it answered
            descriptors = sorted(os.listdir("/proc/self/fd"))
            started = time.monotonic()
            refresh_engine_info()
            took = time.monotonic() - started
            assert took < 2 * cluster.INFO_REFRESH_TIMEOUT_SECONDS, f"a refresh took {took:.1f} s"
            assert address() not in cluster._infos
            assert sorted(os.listdir("/proc/self/fd")) == descriptors
            started = time.monotonic()
            refresh_engine_info()
            assert time.monotonic() - started < 0.1, "tried again at once"
    finally:
        hung.close()


def age(key: tuple[str | None, ...], seconds: float) -> None:
    taken, info = cluster._infos[key]
    cluster._infos[key] = (taken - seconds, info)
