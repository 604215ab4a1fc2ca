"""Session-wide test set-up: no test sees the developer's AWS settings."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
