"""`engine()`: the engine's API version is asked once per process and engine address, later clients only ping; a
remembered version the engine refuses (it was replaced meanwhile) is forgotten and asked again."""

from __future__ import annotations

import os

from launcher.local import cluster
from launcher.local.cluster import ENGINE_ADDRESS, engine


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
