"""Fixtures for `launcher.storage`: a clean AWS environment for every test, and a real moto S3 server."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from launcher.storage import LazyS3Client, S3Client, S3ClientProvider
from tests.conftest import REGION


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No AWS_* variable and an empty HOME (so no ~/.aws), for every test; returns that HOME."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def s3(s3_endpoint: str) -> LazyS3Client:
    """The provider the code under test gets."""
    return LazyS3Client(endpoint_url=s3_endpoint, region=REGION)


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
