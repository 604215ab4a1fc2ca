"""The credentials sidecar's server, run here on a free port: tokens, leases, renewal and expiry.

The launcher's side of the lease (launcher/local/credentials.py) writes the files; tests/launcher/test_aws_inside.py
runs the same program in real sidecars.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launcher.local import credentials, credentials_server
from launcher.local.credentials_server import Leases, serve

TOKEN = "per-job-token"
DOCUMENT = {"AccessKeyId": "AK", "SecretAccessKey": "SK", "Token": None, "Expiration": "2030-01-01T00:00:00Z"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lease_file(tmp_path: Path) -> Path:
    return tmp_path / "lease.json"


@pytest.fixture
def url(lease_file: Path, clock: Clock) -> Iterator[str]:
    server = serve(("127.0.0.1", 0), Leases(lease_file, clock))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{credentials_server.PATH}"
    server.shutdown()
    server.server_close()


def write_lease(file: Path, ttl: float = 300.0, **body: Any) -> None:
    lease = {"token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest(), "ttl_seconds": ttl, **body}
    file.write_text(json.dumps(lease))


def get(url: str, token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": token} if token is not None else {})
    try:
        with opener.open(request, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_token_decides_who_gets_the_credentials(url: str, lease_file: Path) -> None:
    write_lease(lease_file, credentials=DOCUMENT)
    assert get(url) == (200, DOCUMENT)
    assert get(url, None)[0] == 401
    assert get(url, "another-job's-token") == (403, {"code": "Forbidden",
                                                      "message": "wrong authorization token for this job"})
    assert get(url.replace("/credentials", "/other"))[0] == 404


def test_no_lease_yet_is_refused(url: str) -> None:
    assert get(url) == (403, {"code": "Forbidden", "message": "the launcher has not given this job its credentials"})


def test_an_unrenewed_lease_expires_and_a_renewal_revives_it(url: str, lease_file: Path, clock: Clock) -> None:
    write_lease(lease_file, ttl=10, credentials=DOCUMENT, renewed=1)
    assert get(url)[0] == 200
    clock.now += 11
    assert get(url) == (403, {"code": "Forbidden",
                              "message": "the launcher stopped renewing this job's credentials (its supervisor ended)"})
    write_lease(lease_file, ttl=10, credentials=DOCUMENT, renewed=2)
    assert get(url) == (200, DOCUMENT)


def test_a_lease_caught_half_written_keeps_the_last_whole_one(url: str, lease_file: Path) -> None:
    write_lease(lease_file, credentials=DOCUMENT)
    assert get(url)[0] == 200
    lease_file.write_text('{"token_sha256": "ab')
    assert get(url) == (200, DOCUMENT)


def test_a_launcher_that_could_not_refresh_its_credentials_says_so(url: str, lease_file: Path) -> None:
    message = "the byoc launcher could not refresh its AWS credentials: SSO session expired"
    write_lease(lease_file, error=message)
    assert get(url) == (500, {"code": "CredentialsError", "message": message})


def test_the_launchers_lease_holds_the_tokens_digest_not_the_token(tmp_path: Path, url: str, lease_file: Path) -> None:
    from botocore.credentials import Credentials

    job = credentials.JobCredentials(Credentials("AKIAX", "the-secret"), "byoc/base:latest")
    token = job.environment()[credentials.TOKEN_ENV]
    with tarfile.open(fileobj=io.BytesIO(job.sidecar().archive)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert {name: oct(m.mode) for name, m in members.items()} == {
            "run/byoc-credentials": "0o700", "run/byoc-credentials/server.py": "0o600",
            "run/byoc-credentials/lease.json": "0o600"}
        lease = tar.extractfile(members["run/byoc-credentials/lease.json"])
        assert lease is not None
        body = lease.read()
    assert token.encode() not in body
    lease_file.write_bytes(body)
    status, served = get(url, token)
    assert (status, served["AccessKeyId"], served["SecretAccessKey"]) == (200, "AKIAX", "the-secret")
