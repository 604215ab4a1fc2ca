"""List the objects one input refers to, and where each lands inside the input's LocalPath.

S3Prefix (SageMaker semantics, processing-contract.md §4):
  - every object whose key starts with the prefix *string*; a key-prefix match, not a folder match:
    `s3://b/data/train` matches `data/train-1.csv`, `data/training.csv` and `data/train/x.csv`;
  - an object lands at its key relative to the prefix up to the prefix's last "/":
    `s3://b/data/train` + `data/train-1.csv` -> `train-1.csv`; `s3://b/data/` + `data/x/y.csv` -> `x/y.csv`;
    except that a key continuing the prefix with "/" lands relative to the whole prefix, as a folder:
    `s3://b/data/train` + `data/train/x.csv` -> `x.csv`. The SDKs rely on that: `ProcessingInput(source=
    <local folder>)` uploads to `s3://<bucket>/<job>/input/<name>/...` and sends that prefix without its
    slash, and the job reads `<LocalPath>/<file>`;
    A URI that names one object is a prefix matching it, so it lands as its basename (and any longer key
    that starts with it, `code/run.py.bak`, is an input too, as in SageMaker);
  - zero-byte keys ending with "/" are the "folders" the S3 console makes: skipped;
  - a prefix that matches nothing is an error naming the URI, as in SageMaker ("No S3 objects found
    under S3 URL ..."). An empty *shard* is not an error (see `sharding.py`).
ManifestFile: the URI names a JSON array `[{"prefix": "s3://bucket/p/"}, "rel/key", ...]`. Object i is
  `prefix + entry` (string concatenation, as in the SageMaker docs: all in the prefix's bucket) and it
  lands at `entry`, i.e. relative to the prefix. Sizes come from one HeadObject per entry, which also
  fails early, naming the key, when an entry does not exist.
Local sources (the local backend only; no AWS call, no credentials):
  - a folder behaves like the prefix `folder/`: every regular file below it, landing at its path relative
    to the folder. Symlinks to files are followed (their content is copied); symlinked folders are not
    entered (no cycles); broken symlinks, sockets and FIFOs are skipped;
  - a file lands as its basename;
  - there is no partial-name match: `data/train` must be an existing file or folder;
  - a manifest may be a local file; its prefix may then be `s3://...` or a local folder (`file://` URI or
    path, relative to the manifest's folder), and entries are paths relative to that folder.
Safety: a landing path that is absolute, contains a ".." segment, is empty or ends with "/" is rejected
  naming the key (`UnsafeKeyError`); so are two objects landing at one path, or one object landing where
  another needs a folder (`LandingConflictError`). `SourceObject` re-checks its path when it is built.
Order: the result is sorted by `SourceObject.sort_key` (S3: the key, whose code point order is S3's UTF-8
  byte order; local: the POSIX path), so it is stable across runs.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from launcher.storage.client import S3Client, S3ClientProvider, s3_errors
from launcher.storage.errors import (
    LandingConflictError,
    LocalFileError,
    LocationError,
    ManifestError,
    SourceNotFoundError,
    UnsafeKeyError,
)
from launcher.storage.locations import LocalLocation, Location, S3Location, parse_location

__all__ = ["S3DataType", "SourceObject", "list_source"]


class S3DataType(StrEnum):
    """`ProcessingS3Input.S3DataType`."""

    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"


@dataclass(frozen=True, slots=True)
class SourceObject:
    """One object of an input: where its bytes are, where it lands in the LocalPath, and its size.

    Building one with an unsafe `relative_path` (absolute, "..", empty) raises `UnsafeKeyError`.
    """

    location: Location
    relative_path: PurePosixPath
    size: int

    def __post_init__(self) -> None:
        _landing_path(str(self.relative_path), self.location.uri)

    @property
    def uri(self) -> str:
        return self.location.uri

    @property
    def sort_key(self) -> str:
        """The S3 key, or the local path in POSIX form: the order of listing and sharding."""
        if isinstance(self.location, S3Location):
            return self.location.key
        return self.location.path.as_posix()


def list_source(source: Location, data_type: S3DataType, s3: S3ClientProvider) -> list[SourceObject]:
    """The objects `source` refers to, sorted by key (see the module docstring for the semantics).

    `s3` is called only if an S3 location has to be read. Raises `SourceNotFoundError` when nothing
    matches, `UnsafeKeyError`, `LandingConflictError`, `ManifestError`, `S3AccessError`, `LocalFileError`.
    """
    if data_type == S3DataType.MANIFEST_FILE:
        objects = _list_manifest(source, s3)
    elif isinstance(source, S3Location):
        objects = _list_s3_prefix(source, s3())
    else:
        objects = _list_local(source)
    objects.sort(key=lambda obj: obj.sort_key)
    _check_conflicts(objects)
    return objects


def _landing_path(relative: str, uri: str) -> PurePosixPath:
    if not relative or relative == ".":
        raise UnsafeKeyError(uri, relative, "is empty")
    if relative.startswith("/"):
        raise UnsafeKeyError(uri, relative, "is absolute")
    if ".." in relative.split("/"):
        raise UnsafeKeyError(uri, relative, "contains a '..' segment")
    if relative.endswith("/"):
        raise UnsafeKeyError(uri, relative, "ends with '/' (a folder name, not a file)")
    if "\x00" in relative:
        raise UnsafeKeyError(uri, relative, "contains a NUL character")
    return PurePosixPath(relative)


def _check_conflicts(objects: list[SourceObject]) -> None:
    files: dict[PurePosixPath, SourceObject] = {}
    for obj in objects:
        if (first := files.setdefault(obj.relative_path, obj)) is not obj:
            raise LandingConflictError(first.uri, obj.uri, str(obj.relative_path))
    for obj in objects:
        for parent in obj.relative_path.parents[:-1]:  # [-1] is "."
            if (file := files.get(parent)) is not None:
                raise LandingConflictError(file.uri, obj.uri, str(parent))


# --- S3 ---------------------------------------------------------------------------------------------


def _list_s3_prefix(prefix: S3Location, client: S3Client) -> list[SourceObject]:
    base = prefix.key[: prefix.key.rfind("/") + 1]
    found: list[SourceObject] = []
    with s3_errors("ListObjectsV2", prefix):
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=prefix.bucket, Prefix=prefix.key):
            for item in page.get("Contents", ()):
                key, size = str(item["Key"]), int(item["Size"])
                if key.endswith("/") and size == 0:
                    continue
                location = S3Location(prefix.bucket, key)
                folder = bool(prefix.key) and not prefix.key.endswith("/") and key.startswith(f"{prefix.key}/")
                start = len(prefix.key) + 1 if folder else len(base)
                found.append(SourceObject(location, _landing_path(key[start:], location.uri), size))
    if not found:
        raise SourceNotFoundError(
            prefix.uri,
            f'No S3 objects found under S3 URL "{prefix.uri}": check the bucket, the prefix, and that '
            f'the credentials in use may s3:ListBucket on bucket "{prefix.bucket}"',
        )
    return found


def _head_size(location: S3Location, client: S3Client) -> int:
    with s3_errors("HeadObject", location):
        return int(client.head_object(Bucket=location.bucket, Key=location.key)["ContentLength"])


# --- manifests --------------------------------------------------------------------------------------


def _list_manifest(manifest: Location, s3: S3ClientProvider) -> list[SourceObject]:
    prefix, entries = _parse_manifest(_read_manifest(manifest, s3), manifest)
    # Check every landing path before the first HeadObject: a bad entry fails fast, with no S3 traffic.
    if isinstance(prefix, S3Location):
        s3_targets = [S3Location(prefix.bucket, prefix.key + entry) for entry in entries]
        landings = [_landing_path(entry, target.uri) for entry, target in zip(entries, s3_targets, strict=True)]
        client = s3()
        return [
            SourceObject(target, relative, _head_size(target, client))
            for target, relative in zip(s3_targets, landings, strict=True)
        ]
    paths = [prefix.path / entry for entry in entries]
    landings = [_landing_path(entry, str(path)) for entry, path in zip(entries, paths, strict=True)]
    found: list[SourceObject] = []
    for entry, path, relative in zip(entries, paths, landings, strict=True):
        size = _regular_file_size(path)
        if size is None:
            raise SourceNotFoundError(
                str(path), f'manifest {manifest.uri} lists "{entry}", but {path} is not a regular file'
            )
        found.append(SourceObject(LocalLocation(path), relative, size))
    return found


def _read_manifest(manifest: Location, s3: S3ClientProvider) -> str:
    if isinstance(manifest, S3Location):
        client = s3()
        with s3_errors("GetObject", manifest):
            body = client.get_object(Bucket=manifest.bucket, Key=manifest.key)["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
    else:
        try:
            data = manifest.path.read_bytes()
        except FileNotFoundError as exc:
            raise SourceNotFoundError(manifest.uri, f'manifest file "{manifest.uri}" does not exist') from exc
        except OSError as exc:
            raise LocalFileError("reading manifest", manifest.uri, exc) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(manifest.uri, f"is not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _parse_manifest(text: str, manifest: Location) -> tuple[Location, list[str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(manifest.uri, f"is not valid JSON ({exc})") from exc
    if not isinstance(document, list) or not document:
        raise ManifestError(manifest.uri, "is not a non-empty JSON array")
    head = document[0]
    if not isinstance(head, dict) or set(head) != {"prefix"} or not isinstance(head["prefix"], str):
        raise ManifestError(manifest.uri, 'element 0 is not {"prefix": "<uri>"}')
    base_dir = manifest.path.parent if isinstance(manifest, LocalLocation) else None
    try:
        prefix = parse_location(head["prefix"], base_dir=base_dir)
    except LocationError as exc:
        raise ManifestError(manifest.uri, f"element 0: {exc}") from exc
    if isinstance(manifest, S3Location) and isinstance(prefix, LocalLocation):
        raise ManifestError(
            manifest.uri, f"the prefix {head['prefix']!r} of an S3 manifest must be an s3:// URI"
        )
    entries: list[str] = []
    for index, entry in enumerate(document[1:], start=1):
        if not isinstance(entry, str):
            raise ManifestError(manifest.uri, f"element {index} is {json.dumps(entry)}, not a string key")
        entries.append(entry)
    if not entries:
        raise ManifestError(manifest.uri, "lists no objects after the prefix")
    return prefix, entries


# --- local ------------------------------------------------------------------------------------------


def _regular_file_size(path: Path) -> int | None:
    """The size of `path` if it is (a symlink to) a regular file, else None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LocalFileError("reading", str(path), exc) from exc
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _list_local(source: LocalLocation) -> list[SourceObject]:
    root = source.path
    if root.is_dir():
        found = [
            SourceObject(LocalLocation(path), PurePosixPath(path.relative_to(root).as_posix()), size)
            for path, size in _walk_files(root)
        ]
        if not found:
            raise SourceNotFoundError(source.uri, f'No files found under local folder "{source.uri}"')
        return found
    size = _regular_file_size(root)
    if size is None:
        message = "does not exist" if not root.exists() else "is neither a regular file nor a folder"
        raise SourceNotFoundError(source.uri, f'local input "{source.uri}" {message}')
    return [SourceObject(source, PurePosixPath(root.name), size)]


def _walk_files(root: Path) -> list[tuple[Path, int]]:
    def fail(exc: OSError) -> None:
        raise LocalFileError("listing", str(exc.filename or root), exc)

    files: list[tuple[Path, int]] = []
    for folder, _dirs, names in os.walk(root, onerror=fail):
        for name in names:
            path = Path(folder, name)
            size = _regular_file_size(path)
            if size is not None:
                files.append((path, size))
    return files
