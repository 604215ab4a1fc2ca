"""The launcher's own credentials: walked afresh for each job; where a process runs one job, in a botocore session
kept only while the environment and the AWS config files stay the same."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from launcher.local import credentials
from launcher.local.credentials import launcher_credentials


def keys(file: Path, key_id: str) -> None:
    file.write_text(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = secret-{key_id}\n")


@pytest.fixture
def credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    file = tmp_path / "credentials"
    keys(file, "AKIAFIRST")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(file))
    return file


def test_the_session_is_kept_while_nothing_changes(credentials_file: Path) -> None:
    assert credentials._session() is credentials._session()
    found, why = launcher_credentials(reuse_session=True)
    assert why is None and found.access_key == "AKIAFIRST"


def test_a_rewritten_credentials_file_is_read_again(credentials_file: Path) -> None:
    kept = credentials._session()
    keys(credentials_file, "AKIASECONDKEY")  # another size: seen even within the file system's time resolution
    found, _ = launcher_credentials(reuse_session=True)
    assert found.access_key == "AKIASECONDKEY"
    assert credentials._session() is not kept


def test_a_changed_environment_gets_a_new_session(credentials_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = credentials._session()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert credentials._session() is not kept
    found, _ = launcher_credentials(reuse_session=True)
    assert found.access_key == "AKIAFROMENV"


def test_the_chain_is_walked_again_in_a_kept_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A credential_process that answers with a new key each time it runs: each job gets the key of its own start."""
    counter = tmp_path / "calls"
    script = tmp_path / "process"
    answer = '{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIACALL$n\\", \\"SecretAccessKey\\": \\"s\\"}'
    script.write_text(f'#!/bin/sh\necho x >> {counter}\nn=$(wc -l < {counter})\necho "{answer}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "config"
    config.write_text(f"[default]\ncredential_process = {script}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    kept = credentials._session()
    first, _ = launcher_credentials(reuse_session=True)
    second, _ = launcher_credentials(reuse_session=True)
    assert credentials._session() is kept
    assert (first.access_key, second.access_key) == ("AKIACALL1", "AKIACALL2")
