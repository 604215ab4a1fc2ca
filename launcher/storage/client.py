"""The one place that makes boto3 S3 clients and turns botocore errors into `S3AccessError`.

Endpoint: `s3_client(endpoint_url=None)` lets boto3 resolve it, and boto3 1.44 already honours
`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` and `endpoint_url` in the AWS config file (botocore
`args.py::_compute_configured_endpoint_url`), so we do not read those variables ourselves.
Addressing: with any configured endpoint (argument, variable or config file) botocore forces path-style
requests (`args.py::compute_endpoint_resolver_builtin_defaults`: `force_path_style` unless the user set
`addressing_style = virtual`), which is what a moto server or MinIO needs; tested, so not duplicated.

Credentials: botocore resolves credentials when a client is *created* (the provider chain may even query
the EC2 metadata service). Code that may never touch S3 therefore takes an `S3ClientProvider`, and
`LazyS3Client` creates the client on first call only: a job whose inputs and outputs are all local never
reads AWS credentials or config.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from launcher.storage.errors import S3AccessError
from launcher.storage.locations import S3Location

if TYPE_CHECKING:  # boto3 and botocore load only when S3 is used: ~80 ms saved for local-only jobs
    from botocore.exceptions import ClientError

__all__ = ["LazyS3Client", "S3Client", "S3ClientProvider", "s3_client", "s3_errors"]


class S3Client(Protocol):
    """The part of a boto3 S3 client that `launcher.storage` uses (boto3 itself is untyped; the
    capitalised keyword names are boto3's)."""

    def get_paginator(self, operation_name: str) -> Any: ...
    def get_object(self, *, Bucket: str, Key: str) -> Any: ...
    def head_object(self, *, Bucket: str, Key: str) -> Any: ...
    def head_bucket(self, *, Bucket: str) -> Any: ...
    def download_file(self, *, Bucket: str, Key: str, Filename: str, **kwargs: Any) -> None: ...
    def upload_file(self, *, Filename: str, Bucket: str, Key: str, **kwargs: Any) -> None: ...


S3ClientProvider = Callable[[], S3Client]
"""Returns the S3 client to use; called only when an S3 location is actually read or written."""


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> S3Client:
    """A new S3 client from a fresh boto3 session (the module-level default session is not thread-safe).

    `endpoint_url=None` and `region=None` leave resolution to boto3 (AWS_ENDPOINT_URL[_S3],
    AWS_REGION/AWS_DEFAULT_REGION, AWS config file). This resolves credentials: call it only for S3 work.
    """
    import boto3.session

    session = boto3.session.Session()
    client: S3Client = session.client("s3", endpoint_url=endpoint_url, region_name=region)
    return client


class LazyS3Client:
    """An `S3ClientProvider` that creates one client on first call and then reuses it (thread-safe)."""

    def __init__(self, endpoint_url: str | None = None, region: str | None = None) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._client: S3Client | None = None
        self._lock = threading.Lock()

    def __call__(self) -> S3Client:
        with self._lock:
            if self._client is None:
                self._client = s3_client(self._endpoint_url, self._region)
            return self._client

    def warm(self) -> None:
        """Start making the client in the background (boto3's import and its models take ~0.15 s), for a caller
        that will surely need it after other work; the first call waits for it. A failure is left to that call."""
        def make() -> None:
            with contextlib.suppress(Exception):
                self()

        threading.Thread(target=make, name="s3-client", daemon=True).start()


_HINTS = {
    "NoSuchBucket": 'bucket "{bucket}" does not exist (check the name, the region and the endpoint)',
    "NoSuchKey": "the object does not exist",
    "404": "the object (or its bucket) does not exist",  # HEAD responses have no error body
    "AccessDenied": "the credentials in use are not allowed to do {operation} on {uri}",
    "403": "the credentials in use are not allowed to do {operation} on {uri}",
    "InvalidAccessKeyId": "the AWS access key id is not known to this endpoint",
    "SignatureDoesNotMatch": "the AWS secret access key does not match the access key id",
    "NoCredentialsError": "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY",
}


@contextmanager
def s3_errors(operation: str, location: S3Location) -> Iterator[None]:
    """Turn a botocore/boto3 error raised inside the block into an `S3AccessError` naming
    `operation` (an S3 API name such as "ListObjectsV2") and `location`."""
    from boto3.exceptions import Boto3Error, RetriesExceededError, S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        raise _from_client_error(exc, operation, location) from exc
    except S3UploadFailedError as exc:
        # boto3 replaces the ClientError of an upload with this one, raised inside its `except` block.
        cause = exc.__context__
        if isinstance(cause, ClientError):
            raise _from_client_error(cause, operation, location) from exc
        raise _error(operation, location, type(exc).__name__, str(exc)) from exc
    except RetriesExceededError as exc:
        raise _error(operation, location, type(exc).__name__, str(exc.last_exception)) from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise _error(operation, location, type(exc).__name__, str(exc)) from exc


def _from_client_error(exc: ClientError, operation: str, location: S3Location) -> S3AccessError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    detail = str(error.get("Message") or exc)
    return _error(exc.operation_name or operation, location, code, detail)


def _error(operation: str, location: S3Location, code: str, detail: str) -> S3AccessError:
    hint = _HINTS.get(code)
    if hint is not None:
        hint = hint.format(bucket=location.bucket, operation=operation, uri=location.uri)
    return S3AccessError(operation, location.uri, code, detail, hint)
