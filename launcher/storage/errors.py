"""Errors raised by `launcher.storage`.

Every message names the thing at fault (URI, key, path) first, so it can be shown to the user as is.

    StorageError                  base class; the launcher re-parents it under its own error tree
    ├── LocationError             a source/destination string that is not an s3:// URI or a local path
    ├── SourceNotFoundError       an input that matches nothing (empty S3 prefix, missing local path)
    ├── UnsafeKeyError            a key or manifest entry that would land outside the channel folder
    ├── LandingConflictError      two objects that would land at the same local path
    ├── ManifestError             a ManifestFile that is not the documented JSON shape
    ├── S3AccessError             a failed S3 call (wraps botocore/boto3 errors; names operation + URI)
    ├── LocalFileError            a local file or folder that could not be read or written
    └── DestinationError          an output destination that cannot be written (checked before a job runs)

Every class sits under the launcher's `LauncherError` (launcher/errors.py draws the whole tree). This
module does not import botocore: the translation of botocore exceptions lives in `client.py`.
"""

from __future__ import annotations

from launcher.errors import EXIT_BACKEND, EXIT_USAGE, LauncherError


class StorageError(LauncherError):
    """Base class of every error raised by `launcher.storage`: data could not be listed, read or written."""

    exit_code = EXIT_BACKEND


class LocationError(StorageError):
    """A source or destination string that cannot be used."""

    exit_code = EXIT_USAGE
    aws_code = "ValidationException"
    http_status = 400

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"invalid location {value!r}: {reason}")


class SourceNotFoundError(StorageError):
    """An input that matches no object or file. `uri` is the S3 URI or local path as given."""

    def __init__(self, uri: str, message: str) -> None:
        self.uri = uri
        super().__init__(message)


class UnsafeKeyError(StorageError):
    """An S3 key, file or manifest entry whose landing path would escape the channel folder."""

    def __init__(self, uri: str, relative_path: str, reason: str) -> None:
        self.uri = uri
        self.relative_path = relative_path
        self.reason = reason
        super().__init__(
            f"{uri}: refusing to download it: its local path {relative_path!r} {reason} "
            "(it would not land inside the input's LocalPath)"
        )


class LandingConflictError(StorageError):
    """Two objects of one input that would land at the same path, or a file where a folder must be."""

    def __init__(self, first_uri: str, second_uri: str, relative_path: str) -> None:
        self.first_uri = first_uri
        self.second_uri = second_uri
        self.relative_path = relative_path
        super().__init__(
            f"{first_uri} and {second_uri} would both be written at {relative_path!r} "
            "inside the input's LocalPath"
        )


class ManifestError(StorageError):
    """A ManifestFile that is not `[{"prefix": "s3://bucket/p/"}, "relative/key", ...]`."""

    def __init__(self, manifest_uri: str, reason: str) -> None:
        self.manifest_uri = manifest_uri
        self.reason = reason
        super().__init__(
            f"manifest {manifest_uri}: {reason} "
            '(expected a JSON array: [{"prefix": "s3://bucket/prefix/"}, "relative/key", ...])'
        )


class S3AccessError(StorageError):
    """A failed S3 call. `code` is the S3 error code (`NoSuchBucket`, `AccessDenied`, `404`, ...) or
    the botocore exception name (`NoCredentialsError`, `EndpointConnectionError`)."""

    def __init__(self, operation: str, uri: str, code: str, detail: str, hint: str | None = None) -> None:
        self.operation = operation
        self.uri = uri
        self.code = code
        self.detail = detail
        self.hint = hint
        message = f"{operation} failed for {uri}: {code}: {detail}"
        if hint:
            message += f". Hint: {hint}"
        super().__init__(message)


class LocalFileError(StorageError):
    """A local file or folder that could not be read or written (wraps the OSError)."""

    def __init__(self, action: str, path: str, cause: OSError) -> None:
        self.action = action
        self.path = path
        super().__init__(f"{action} {path} failed: {cause.strerror or cause}")


class DestinationError(StorageError):
    """An output destination that cannot be written: a file where a folder must be, no permission."""

    exit_code = EXIT_USAGE
    aws_code = "ValidationException"
    http_status = 400

    def __init__(self, destination: str, reason: str) -> None:
        self.destination = destination
        super().__init__(f"destination {destination!r} {reason}")
