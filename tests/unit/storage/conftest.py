"""Fixtures for `launcher.storage`: a clean AWS environment for every test, and a real moto S3 server."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from launcher.storage import LazyS3Client, S3Client, S3ClientProvider

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No AWS_* variable and an empty HOME (so no ~/.aws), for every test; returns that HOME."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
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


@pytest.fixture
def s3(s3_endpoint: str) -> LazyS3Client:
    """The provider the code under test gets."""
    return LazyS3Client(endpoint_url=s3_endpoint, region=REGION)


@pytest.fixture(scope="session")
def s3_admin_client(moto_endpoint: str) -> S3Client:
    client: S3Client = boto3.session.Session().client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client


@pytest.fixture
def s3_admin(s3_endpoint: str, s3_admin_client: S3Client) -> S3Client:
    """A plain boto3 client to arrange and inspect the (reset) server's state."""
    return s3_admin_client


@pytest.fixture
def bucket(s3_admin) -> str:
    s3_admin.create_bucket(Bucket="bkt")
    return "bkt"


@pytest.fixture
def no_s3() -> S3ClientProvider:
    """An S3ClientProvider for operations that must not touch S3."""

    def provider() -> S3Client:
        raise AssertionError("S3 client requested for a local-only operation")

    return provider


@pytest.fixture
def put(s3_admin, bucket: str) -> Callable[[dict[str, bytes]], None]:
    """Put objects, `{key: body}`, into the bucket `bkt`."""

    def put_objects(objects: dict[str, bytes]) -> None:
        for key, body in objects.items():
            s3_admin.put_object(Bucket=bucket, Key=key, Body=body)

    return put_objects
