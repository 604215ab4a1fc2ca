"""`engine()`: the engine's API version is asked once per process and engine address, later clients only ping; a
remembered version the engine refuses (it was replaced meanwhile) is forgotten and asked again. `engine_info()`:
the engine's `docker info`, asked again once it is some seconds old."""

from __future__ import annotations

import os
import time

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


def test_the_engines_info_is_taken_again_once_it_is_older_than_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job asks for `docker info` only when this process (or the warm one it was forked from) has none under
    INFO_MAX_AGE_SECONDS old; the warm process takes it afresh every INFO_REFRESH_SECONDS."""
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    monkeypatch.setattr(cluster, "_infos", {})
    client = engine()
    try:
        first = engine_info(client)
        assert first["NCPU"] == os.cpu_count()
        now[0] += cluster.INFO_MAX_AGE_SECONDS - 1
        assert engine_info(client) is first, "a young info was asked again"
        now[0] += 2
        second = engine_info(client)
        assert second is not first and second["ID"] == first["ID"]
        now[0] += cluster.INFO_REFRESH_SECONDS - 1
        refresh_engine_info()
        assert engine_info(client) is second, "refreshed before its time"
        now[0] += 2
        refresh_engine_info()
        assert engine_info(client) is not second
    finally:
        client.close()
