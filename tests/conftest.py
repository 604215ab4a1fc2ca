"""Session-wide test set-up: no test sees the developer's AWS settings."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

# Ryuk (testcontainers' reaper) is an image pulled from a registry; our fixtures clean up after themselves.
# Set before testcontainers is imported: it reads its configuration at import time.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


@pytest.fixture(autouse=True)
def clean_aws_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Strip AWS_* and point boto at empty config files, so nothing depends on (or leaks) real credentials."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SAGEMAKER_", "BYOC_")):
            monkeypatch.delenv(name)
    empty = tmp_path_factory.mktemp("no-aws-config") / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield


REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (any free port), shared by the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server, emptied, with fake credentials in the environment (for this test only)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")) as response:
        assert response.status == 200
    return moto_endpoint


@pytest.fixture(scope="session")
def s3_admin_client(moto_endpoint: str) -> Any:
    client: Any = boto3.session.Session().client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client


@pytest.fixture
def s3_admin(s3_endpoint: str, s3_admin_client: Any) -> Any:
    """A plain boto3 client to arrange and inspect the (reset) server's state."""
    return s3_admin_client
