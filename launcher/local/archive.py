"""Tar streams to and from a Docker volume, for volume staging: what the engine's archive API speaks.

Into a volume, `tar_stream` yields an archive piece by piece, never holding more than one chunk: the
folders, this machine's small files (config files, manifests), FIFOs, and the objects of File-mode
inputs, read from S3 or a local file as they are sent (each object's size is taken when it is opened,
as a tar header states it before the bytes; an object that then ends early fails the staging).
Names are relative to /opt/ml; files are 0644 and folders 0755, owned by root, as bind-mounted
staging leaves them.

Out of a volume, `extract` writes what the engine sends into a folder of this machine: folders and
regular files only, as SageMaker uploads them (symlinks are not followed, so they are skipped, as are
FIFOs and devices); a hard link becomes a copy. Each file is written under a temporary name and
renamed once whole, with the volume's mtime, so an uploader polling the folder never reads half a
file and sees a file change exactly when it changed in the volume. `only_changed` skips files whose
size and mtime already match (the engine stamps whole seconds). A stream cut mid-way leaves every
file already renamed, and no temporary one.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import LocalFileError, S3AccessError
from launcher.storage.listing import SourceObject
from launcher.storage.locations import S3Location
from launcher.storage.transfer import open_sized_stream

CHUNK = 1 << 20
BLOCK = tarfile.BLOCKSIZE


@dataclass(frozen=True, slots=True)
class Folder:
    path: PurePosixPath


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file of this machine, small enough to be read whole (config files, manifests)."""

    path: PurePosixPath
    source: Path


@dataclass(frozen=True, slots=True)
class Fifo:
    path: PurePosixPath


@dataclass(frozen=True, slots=True)
class InputObject:
    """One object of a File-mode input, streamed from where it is."""

    path: PurePosixPath
    source: SourceObject


Entry = Folder | LocalFile | Fifo | InputObject


def tar_stream(entries: Iterable[Entry], s3: S3ClientProvider) -> Iterator[bytes]:
    """The archive of `entries`, in order, one piece at a time; parent folders are added before their contents."""
    made: set[PurePosixPath] = set()
    for entry in entries:
        for parent in reversed(entry.path.parents[:-1]):  # parents[-1] is "."
            if parent not in made:
                made.add(parent)
                yield _header(parent, tarfile.DIRTYPE, 0o755)
        if isinstance(entry, Folder):
            if entry.path not in made:
                made.add(entry.path)
                yield _header(entry.path, tarfile.DIRTYPE, 0o755)
        elif isinstance(entry, Fifo):
            yield _header(entry.path, tarfile.FIFOTYPE, 0o644)
        elif isinstance(entry, LocalFile):
            data = entry.source.read_bytes()
            yield _header(entry.path, tarfile.REGTYPE, 0o644, len(data))
            yield data + _padding(len(data))
        else:
            yield from _object(entry, s3)
    yield b"\0" * (2 * BLOCK)


def _object(entry: InputObject, s3: S3ClientProvider) -> Iterator[bytes]:
    stream, size = open_sized_stream(entry.source, s3)
    with stream:
        yield _header(entry.path, tarfile.REGTYPE, 0o644, size)
        left = size
        while left:
            try:
                chunk = stream.read(min(CHUNK, left))
            except Exception as error:  # botocore read timeouts, urllib3 protocol errors, OSError
                raise _read_error(entry.source, f"{type(error).__name__}: {error}") from error
            if not chunk:
                raise _read_error(entry.source, f"it ended after {size - left} of its {size} bytes")
            left -= len(chunk)
            yield chunk
    yield _padding(size)


def _read_error(obj: SourceObject, detail: str) -> S3AccessError | LocalFileError:
    if isinstance(obj.location, S3Location):
        return S3AccessError("GetObject", obj.uri, "ReadError", detail)
    return LocalFileError("reading", obj.uri, OSError(detail))


def _header(path: PurePosixPath, kind: bytes, mode: int, size: int = 0) -> bytes:
    info = tarfile.TarInfo(path.as_posix())
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = int(time.time())
    return info.tobuf(format=tarfile.PAX_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def extract(chunks: Iterable[bytes], target: Path, *, only_changed: bool = False) -> None:
    """Write the archive's root entry (a folder or a file) at `target`, and everything under it below it."""
    with tarfile.open(fileobj=_ChunkReader(iter(chunks)), mode="r|", bufsize=CHUNK) as archive:
        written: dict[str, Path] = {}
        for member in archive:
            path = _local_path(member.name, target)
            if path is None:
                continue
            if member.isdir():
                path.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                if only_changed and _same(path, member):
                    continue
                reader = archive.extractfile(member)
                if reader is not None:
                    _write(path, reader, member.mtime)
                    written[member.name] = path
            elif member.islnk() and member.linkname in written:
                with written[member.linkname].open("rb") as source:
                    _write(path, source, member.mtime)
                written[member.name] = path


def _local_path(name: str, target: Path) -> Path | None:
    """Where a member goes: its first part is the archive's root (`target` itself); None if it could escape."""
    parts = PurePosixPath(name).parts
    if not parts or parts[0] in ("/", "..") or ".." in parts[1:]:
        return None
    return target.joinpath(*parts[1:])


def _same(path: Path, member: tarfile.TarInfo) -> bool:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    return stat.st_size == member.size and int(stat.st_mtime) == int(member.mtime)


def _write(path: Path, reader: IO[bytes], mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as out:
            shutil.copyfileobj(reader, out, CHUNK)
        os.utime(partial, (mtime, mtime))
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


class _ChunkReader(io.RawIOBase):
    """The engine's response chunks as a file, for tarfile's streaming mode; chunks are sliced, never copied."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
