"""A warm `byoc` serves only a client whose fingerprint equals its own: what a job's run depends on must be in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from launcher.cli import handover


def test_the_fingerprint_is_stable_and_changes_with_any_variable_the_folder_or_the_umask(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = handover.fingerprint()
    assert handover.fingerprint() == first
    monkeypatch.setenv("_", "/usr/bin/anything")  # bash's last command: nothing reads it
    assert handover.fingerprint() == first
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert handover.fingerprint() != first
    monkeypatch.delenv("AWS_PROFILE")
    assert handover.fingerprint() == first
    with monkeypatch.context() as elsewhere:
        elsewhere.chdir(tmp_path)
        assert handover.fingerprint() != first
    assert handover.fingerprint() == first
    mask = os.umask(0o077)
    try:
        assert handover.fingerprint() != first
    finally:
        os.umask(mask)
    assert handover.fingerprint() == first


def test_the_fingerprint_changes_when_a_launcher_file_does(tmp_path: Path) -> None:
    """A warm process runs the launcher it loaded: an edited or upgraded launcher must not be served by it."""
    shutil.copytree(Path(handover.__file__).parents[1], tmp_path / "launcher",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = "from launcher.cli.handover import fingerprint; print(fingerprint())"

    def fingerprint() -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True).stdout

    first = fingerprint()
    assert fingerprint() == first
    edited = tmp_path / "launcher" / "cli" / "consoles.py"
    edited.write_text(edited.read_text() + "\n")
    assert fingerprint() != first


@pytest.mark.parametrize("argv", [["byoc"], ["byoc", "describe", "x"], ["byoc", "--help"], ["byoc", "serve"]])
def test_only_run_is_handed_over(argv: list[str]) -> None:
    assert handover.hand_over(argv) is None


def test_zero_seconds_hands_nothing_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(handover.SECONDS_ENV, "0")
    assert handover.hand_over(["byoc", "run", "job.yaml"]) is None
