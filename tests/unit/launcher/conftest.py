"""Fixtures for the launcher's unit tests: job files written into a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """Write a dedented job file as ./job.yaml in a temp working folder; return the name messages show."""
    monkeypatch.chdir(tmp_path)

    def write(text: str) -> str:
        (tmp_path / "job.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return "job.yaml"

    return write
