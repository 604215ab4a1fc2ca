"""Can an output's destination be written? Asked before a job's containers start, not after it ran.

A local destination must be a folder or not exist yet, below a folder this user may write; an S3
destination's bucket must exist and answer. A job whose destination fails this would otherwise run to
the end and lose its outputs at the upload.
"""

from __future__ import annotations

import os
from pathlib import Path

from launcher.storage.client import S3ClientProvider, s3_errors
from launcher.storage.errors import DestinationError, S3AccessError
from launcher.storage.locations import LocalLocation, Location, S3Location


def check_destination(location: Location, s3: S3ClientProvider) -> None:
    """Raise DestinationError (or S3AccessError) naming the destination if outputs could not be written there."""
    if isinstance(location, LocalLocation):
        _check_folder(location.path)
    else:
        _check_bucket(location, s3)


def _check_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise DestinationError(str(path), "is a file; an output's destination must be a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise DestinationError(str(path), f"cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DestinationError(str(path), f"cannot be written: {existing} is not writable by this user")


def _check_bucket(location: S3Location, s3: S3ClientProvider) -> None:
    client = s3()
    try:
        with s3_errors("HeadBucket", S3Location(location.bucket, "")):
            client.head_bucket(Bucket=location.bucket)
    except S3AccessError as error:
        if error.code in ("404", "NoSuchBucket"):
            raise DestinationError(location.uri, f"is in bucket {location.bucket!r}, which does not exist (check "
                                                 "the name, the region and the endpoint)") from error
        raise
