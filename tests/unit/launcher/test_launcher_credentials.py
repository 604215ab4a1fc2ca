"""The launcher's own credentials: walked afresh for each job; where a process runs one job, in a botocore session
kept only while the environment and the AWS config files stay the same. The instance metadata service is asked
only where its address accepts a connection."""

from __future__ import annotations

import contextlib
import datetime
import http.server
import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from launcher.local import credentials, instance_metadata
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


class FakeInstanceMetadata(http.server.BaseHTTPRequestHandler):
    """An EC2 instance metadata service with one role, counting the requests it answers."""

    requests: ClassVar[list[str]] = []

    def do_PUT(self) -> None:
        self.answer("a-token" if self.path == "/latest/api/token" else None)

    def do_GET(self) -> None:
        roles = "/latest/meta-data/iam/security-credentials/"
        expiration = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        keys = {"Code": "Success", "AccessKeyId": "AKIAFROMIMDS", "SecretAccessKey": "s", "Token": "t",
                "Expiration": expiration}
        self.answer({roles: "byoc-role", f"{roles}byoc-role": json.dumps(keys)}.get(self.path))

    def answer(self, body: str | None) -> None:
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write((body or "").encode())

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def no_other_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing earlier in the chain, the instance metadata service asked (the tests' default turns it off), and no
    service remembered as silent."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setattr(instance_metadata, "_silent", set())
    yield


@pytest.fixture
def fake_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    FakeInstanceMetadata.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeInstanceMetadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = ("127.0.0.1", server.server_address[1])
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{address[1]}/")
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()


def test_an_instance_role_is_found_through_the_probe(no_other_credentials: None, fake_service: tuple[str, int]) -> None:
    found, why = launcher_credentials()
    assert why is None and found.access_key == "AKIAFROMIMDS"
    assert FakeInstanceMetadata.requests[0] == "PUT /latest/api/token"
    assert fake_service not in instance_metadata._silent


def test_a_service_found_silent_is_not_asked_again(no_other_credentials: None, fake_service: tuple[str, int]) -> None:
    """Remembered silent (by this process, or the warm one it was forked from): botocore never sends it a request,
    so a job without credentials does not wait for the 1 s timeouts of its two."""
    instance_metadata._silent.add(fake_service)
    found, why = launcher_credentials()
    assert found is None and why == "the launcher has no AWS credentials (boto3 found none)"
    assert FakeInstanceMetadata.requests == []


def test_a_service_that_accepts_no_connection_is_found_silent(no_other_credentials: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody answers at its address, as on a laptop: the probe's connection times out and the address is
    remembered, with no request of botocore's sent to it."""
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    waiting = [socket.socket() for _ in range(3)]  # the accept queue is full: further connections are not answered
    for client in waiting:
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(full.getsockname())
    address = ("127.0.0.1", full.getsockname()[1])
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{address[1]}/")
    try:
        found, why = launcher_credentials()
    finally:
        for client in [*waiting, full]:
            client.close()
    assert found is None and why == "the launcher has no AWS credentials (boto3 found none)"
    assert address in instance_metadata._silent
