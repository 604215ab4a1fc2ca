"""A moto S3 server for a bench, in a process of its own (its work is not counted as the launcher's), and
objects put into it from one file on disk, so an input of gigabytes never sits in the bench's memory."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """The server's URL while it runs; the fake credentials it takes are set in this process's environment."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    os.environ.update(CREDENTIALS)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def client(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1")


def make_file(path: Path, size: int) -> Path:
    """`size` bytes that do not compress to nothing (a random MiB repeated)."""
    block = os.urandom(1 << 20)
    with path.open("wb") as stream:
        left = size
        while left > 0:
            stream.write(block[:left])
            left -= len(block)
    return path


def put_objects(s3: Any, bucket: str, prefix: str, source: Path, count: int) -> None:
    """`count` objects `<prefix>part-NNNN` each holding the file `source`."""
    s3.create_bucket(Bucket=bucket)
    for i in range(count):
        s3.upload_file(str(source), bucket, f"{prefix}part-{i:04d}")
