"""Parse where input data comes from, or where outputs go: an S3 location or a local path.

Accepted forms:

    s3://bucket               S3Location("bucket", "")
    s3://bucket/some/key      S3Location("bucket", "some/key")   the key is kept verbatim, as SageMaker
                                                                 reads an S3Uri (no percent-decoding)
    file:///abs/path          LocalLocation(Path("/abs/path"))   percent-decoded; host empty or localhost
    /abs/path, rel/path       LocalLocation(...)                 relative paths are joined to `base_dir`

Any other scheme is rejected, `https://bucket.s3.amazonaws.com/...` included: the API accepts it, but
the launcher speaks only `s3://`, and a clear error beats guessing the bucket out of a host name.
Parsing does no I/O: whether the location exists is checked by whoever reads or writes it.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from launcher.storage.errors import LocationError

__all__ = ["LocalLocation", "Location", "S3Location", "parse_location"]

# A scheme only counts when followed by "//" ("gs://x") or when it is one we know ("s3:bkt/k" is a typo,
# not a relative path). "data:1/x" stays a local path.
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<slashes>//)?")


@dataclass(frozen=True, slots=True)
class S3Location:
    """An S3 object, or a key prefix. `key` may be empty (the whole bucket)."""

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def child(self, relative: str) -> S3Location:
        """The location `<key>/<relative>`; `s3://b/out` and `s3://b/out/` give the same child."""
        base = self.key.rstrip("/")
        return S3Location(self.bucket, f"{base}/{relative}" if base else relative)

    def __str__(self) -> str:
        return self.uri


@dataclass(frozen=True, slots=True)
class LocalLocation:
    """A file or folder on the host."""

    path: Path

    @property
    def uri(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return self.uri


Location = S3Location | LocalLocation


def parse_location(value: str, base_dir: Path | None = None) -> Location:
    """Parse `value` (see the module docstring). Relative local paths are joined to `base_dir` when
    it is given (e.g. the folder of the job file), else kept relative (to the current directory).

    Raises LocationError, naming `value`, for an empty string, an unsupported scheme, an S3 URI
    without a bucket, or a `file:` URI with a remote host or a relative path.
    """
    if not value:
        raise LocationError(value, "empty; expected s3://bucket/key or a local path")
    match = _SCHEME.match(value)
    if match is None or (match["slashes"] is None and match["scheme"].lower() not in {"s3", "file"}):
        path = Path(value)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return LocalLocation(path)
    scheme = match["scheme"]
    if scheme == "s3" and match["slashes"]:
        return _parse_s3(value)
    if scheme == "file" and match["slashes"]:
        return _parse_file_uri(value)
    if scheme.lower() in {"s3", "file"}:
        raise LocationError(
            value, f"malformed {scheme}: URI; write s3://bucket/key or file:///absolute/path (lower case)"
        )
    raise LocationError(
        value, f"unsupported scheme {scheme!r}; use s3://bucket/key, file:///absolute/path or a local path"
    )


def _parse_s3(value: str) -> S3Location:
    rest = value[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise LocationError(value, "no bucket name after s3://")
    return S3Location(bucket, key)


def _parse_file_uri(value: str) -> LocalLocation:
    parts = urllib.parse.urlsplit(value)
    if parts.netloc not in ("", "localhost"):
        raise LocationError(value, f"file: URI with remote host {parts.netloc!r}; use file:///absolute/path")
    if parts.query or parts.fragment:
        raise LocationError(value, "file: URI with a query or fragment; percent-encode '?' and '#' in paths")
    path = urllib.request.url2pathname(parts.path)
    if not path.startswith("/"):
        raise LocationError(value, "file: URI without an absolute path; use file:///absolute/path")
    return LocalLocation(Path(path))
