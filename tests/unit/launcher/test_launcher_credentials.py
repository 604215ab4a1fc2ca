"""The launcher's own credentials: walked afresh for each job; where a process runs one job, in a botocore session
kept only while the environment and the AWS config files stay the same. The instance metadata service is asked
only where its address accepts a connection."""

from __future__ import annotations

import contextlib
import datetime
import errno
import http.server
import json
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import botocore.credentials
import botocore.session
import pytest

from launcher.local import credentials, instance_metadata
from launcher.local.credentials import launcher_credentials
from launcher.local.instance_metadata import ProbedInstanceMetadata, probe_first


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
    """Nothing earlier in the chain, the instance metadata service asked (the tests' default turns it off), no proxy,
    and no service remembered as silent."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setattr(instance_metadata, "_silent", {})
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


def probed_chain() -> tuple[Any, ProbedInstanceMetadata | None]:
    """botocore's chain for a new session, as launcher_credentials makes it, and the probe put in it."""
    session = botocore.session.get_session()
    resolver = botocore.credentials.create_credential_resolver(session)
    return resolver, probe_first(resolver, session)


def test_the_probe_takes_the_place_of_botocores_provider_for_the_address_botocore_asks(
        no_other_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    resolver, probed = probed_chain()
    assert resolver.get_provider("iam-role") is probed
    assert probed is not None and (probed.url, probed.timeout) == ("http://169.254.169.254/", 0.1)
    for name, value in (("AWS_IMDS_USE_IPV6", "true"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")):
        with monkeypatch.context() as ipv6:
            ipv6.setenv(name, value)
            _, probed = probed_chain()
            assert probed is not None and probed.url == "http://[fd00:ec2::254]/", name
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111/")
    _, probed = probed_chain()  # an endpoint of the user's own gets botocore's own timeout, if longer
    assert probed is not None and (probed.url, probed.timeout) == ("http://127.0.0.1:8111/", 1.0)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    assert probed_chain()[1] is None, "probed past the proxy botocore goes through"
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert probed_chain()[1] is None


def test_an_instance_role_is_found_through_the_probe(no_other_credentials: None, fake_service: tuple[str, int]) -> None:
    found, why = launcher_credentials()
    assert why is None and found.access_key == "AKIAFROMIMDS"
    assert FakeInstanceMetadata.requests[0] == "PUT /latest/api/token"
    assert fake_service not in instance_metadata._silent


def test_a_service_found_silent_is_not_asked_again_for_a_while(no_other_credentials: None,
                                                                fake_service: tuple[str, int]) -> None:
    """Remembered silent (by this process, or the warm one it was forked from): botocore sends it no request, so a
    job without credentials does not wait for the 1 s timeouts of its two; the notice says why. Once the memory
    is SILENT_SECONDS old, the service is asked again."""
    instance_metadata._silent[fake_service] = time.monotonic()
    found, why = launcher_credentials()
    assert found is None and FakeInstanceMetadata.requests == []
    assert why == (f"the launcher has no AWS credentials (boto3 found none; the EC2 instance metadata service at "
                   f"http://127.0.0.1:{fake_service[1]}/ was not asked: it accepted no connection 0 s ago)")
    instance_metadata._silent[fake_service] -= instance_metadata.SILENT_SECONDS
    found, why = launcher_credentials()
    assert why is None and found.access_key == "AKIAFROMIMDS"


def test_a_failure_that_says_nothing_of_the_service_leaves_the_asking_to_botocore(
        no_other_credentials: None, fake_service: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    def out_of_descriptors(*_: object, **__: object) -> socket.socket:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(socket, "create_connection", out_of_descriptors)
    found, why = launcher_credentials()
    assert why is None and found.access_key == "AKIAFROMIMDS"
    assert instance_metadata._silent == {}


def test_an_endpoint_urllib_cannot_read_costs_no_credentials_found_before_it(
        no_other_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254:8o/")  # botocore lets it by
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    found, why = launcher_credentials()
    assert why is None and found.access_key == "AKIAFROMENV"


def test_a_service_that_accepts_no_connection_is_found_silent(no_other_credentials: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody answers at its address, as on a laptop: the probe's connection times out, the address is remembered,
    and botocore sends it no request."""
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
    assert found is None and why is not None and why.endswith("accepted no connection within 1 s)")
    assert address in instance_metadata._silent
