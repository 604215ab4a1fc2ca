"""Move bytes: objects into a host folder before a job, a host folder to its destination after it.

`download` copies: the container may modify or delete what is in its LocalPath, and that must not reach
the user's original files. `download_all` may hard-link local files instead (`link=True`), for a caller
that puts them behind a copy-on-write layer (launcher/local/layers.py). S3 objects go through boto3's
transfer manager (multipart and threads per object; `download_all` keeps one manager for every object,
so many small objects are fetched concurrently too; tuned with an optional
`boto3.s3.transfer.TransferConfig`); local files are copied in 1 MiB chunks so progress can be reported.
Memory stays bounded whatever the size: the manager writes ranges to disk as they arrive and bounds
its queues.

Outputs: only regular files are uploaded. Symlinks are not followed, as on SageMaker (contract §5): a
symlink to a file is skipped, a symlinked folder is not entered, and both are listed in the
`UploadReport` along with sockets and FIFOs, so the caller can tell the user. Empty folders are not
uploaded (S3 has no folders). An object's key is `<destination prefix>/<path relative to the folder>`.
`upload_one(link=True)`, for files whose writers have exited, hard-links a file of this user's into a
local destination instead of copying it: the destination's copy costs nothing. `byoc debug`, which may
write in a finished host's folder again, first gives such files copies of their own (`unshare`).

`progress`, when given, is called with a number of bytes each time some more have been moved; boto3
calls it from its worker threads.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, Self

from launcher.storage.client import S3ClientProvider, s3_errors
from launcher.storage.errors import LocalFileError, SourceNotFoundError
from launcher.storage.listing import SourceObject
from launcher.storage.locations import Location, S3Location

if TYPE_CHECKING:  # boto3 is imported only when S3 is used: it costs ~80 ms at start-up
    from boto3.s3.transfer import TransferConfig

__all__ = [
    "ByteStream",
    "ObjectDone",
    "ProgressCallback",
    "SkippedEntry",
    "UploadReport",
    "download",
    "download_all",
    "open_sized_stream",
    "open_stream",
    "unshare",
    "upload",
    "upload_one",
]

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes just moved."""

ObjectDone = Callable[[], None]
"""Called once an object is whole at its target."""

_CHUNK = 1024 * 1024


class ByteStream(Protocol):
    """A readable binary stream: an S3 object body (botocore `StreamingBody`) or an open local file."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    """An entry of an output folder that was not uploaded, and why."""

    relative_path: PurePosixPath
    reason: str


@dataclass(frozen=True, slots=True)
class UploadReport:
    """What `upload` did: the files uploaded (in order) and the entries skipped."""

    uploaded: tuple[PurePosixPath, ...]
    skipped: tuple[SkippedEntry, ...]
    total_bytes: int


def download(
    objects: Iterable[SourceObject],
    dest_dir: Path,
    s3: S3ClientProvider,
    *,
    progress: ProgressCallback | None = None,
    transfer_config: TransferConfig | None = None,
) -> None:
    """Copy each object to `dest_dir / relative_path`, creating `dest_dir` and parent folders.

    `s3` is called only if an object is in S3. Raises `S3AccessError` or `LocalFileError`.
    """
    _mkdir(dest_dir)
    for obj in objects:
        target = dest_dir.joinpath(*obj.relative_path.parts)
        _mkdir(target.parent)
        if isinstance(obj.location, S3Location):
            location = obj.location
            client = s3()
            try:
                with s3_errors("GetObject", location):
                    client.download_file(
                        Bucket=location.bucket,
                        Key=location.key,
                        Filename=str(target),
                        Callback=progress,
                        Config=transfer_config,
                    )
            except OSError as exc:  # boto3 writes a temporary file next to the target, then renames it
                raise LocalFileError("writing", str(target), exc) from exc
        else:
            _copy_file(obj.location.path, target, progress)


def download_all(
    items: Iterable[tuple[SourceObject, Path]],
    s3: S3ClientProvider,
    *,
    progress: ProgressCallback | None = None,
    done: ObjectDone | None = None,
    link: bool = False,
    transfer_config: TransferConfig | None = None,
) -> None:
    """Each object to its target path (parent folders made): S3 objects through one transfer manager,
    all in flight at once (its queues bound how many), local files hard-linked with `link` (copied when
    they cannot be: another filesystem, a file not ours) else copied.

    Raises `S3AccessError` or `LocalFileError`; on a fault the transfers still in flight are cancelled.
    """
    remote: list[tuple[S3Location, Path, int]] = []
    for obj, target in items:
        _mkdir(target.parent)
        if isinstance(obj.location, S3Location):
            remote.append((obj.location, target, obj.size))
            continue
        if not (link and _link(obj.location.path, target)):
            _copy_file(obj.location.path, target, progress)
        elif progress is not None:
            progress(obj.size)
        if done is not None:
            done()
    if not remote:
        return
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    subscriber = _Subscriber(progress, done)
    with create_transfer_manager(s3(), transfer_config or TransferConfig()) as manager:
        futures = [(location, target, manager.download(location.bucket, location.key, str(target),
                                                       subscribers=[subscriber]))
                   for location, target, _ in remote]
        for location, target, future in futures:
            try:
                with s3_errors("GetObject", location):
                    future.result()
            except OSError as exc:
                raise LocalFileError("writing", str(target), exc) from exc


class _Subscriber:
    """What s3transfer calls as a download goes (it looks up `on_progress` and `on_done` by name)."""

    def __init__(self, progress: ProgressCallback | None, done: ObjectDone | None) -> None:
        self.progress = progress
        self.done = done

    def on_progress(self, future: object, bytes_transferred: int, **_: object) -> None:
        if self.progress is not None:  # negative when a range is retried
            self.progress(bytes_transferred)

    def on_done(self, future: Any, **_: object) -> None:
        if self.done is None:
            return
        try:
            future.result()
        except Exception:  # the caller raises it, named, from the same future
            return
        self.done()


def _link(source: Path, target: Path) -> bool:
    """Hard-link `source` at `target`; False when this filesystem or this file does not allow it."""
    try:
        target.unlink(missing_ok=True)
        os.link(source, target)
    except OSError:
        return False
    return True


def open_stream(obj: SourceObject, s3: S3ClientProvider) -> ByteStream:
    """Open `obj` for streaming reads (for Pipe mode). The caller closes it and handles gzip.

    Errors while opening are `S3AccessError`/`LocalFileError`; errors while reading are not wrapped.
    """
    return open_sized_stream(obj, s3)[0]


def open_sized_stream(obj: SourceObject, s3: S3ClientProvider) -> tuple[ByteStream, int]:
    """`open_stream`, with the object's size as it is now: what a reader of the stream gets, even if the
    object changed since it was listed (a tar header must state it before the bytes follow)."""
    if isinstance(obj.location, S3Location):
        location = obj.location
        client = s3()
        with s3_errors("GetObject", location):
            response = client.get_object(Bucket=location.bucket, Key=location.key)
        body: ByteStream = response["Body"]
        return body, int(response["ContentLength"])
    try:
        stream = obj.location.path.open("rb")
    except OSError as exc:
        raise LocalFileError("opening", obj.uri, exc) from exc
    return stream, os.fstat(stream.fileno()).st_size


def upload(
    source_dir: Path,
    destination: Location,
    s3: S3ClientProvider,
    *,
    progress: ProgressCallback | None = None,
    transfer_config: TransferConfig | None = None,
) -> UploadReport:
    """Upload every regular file below `source_dir` to `destination` (an S3 prefix or a local folder),
    at `<destination>/<relative path>`; see the module docstring for what is skipped.

    `s3` is called only for an S3 destination. Raises `SourceNotFoundError` if `source_dir` is not a
    folder, `S3AccessError` or `LocalFileError`.
    """
    if not source_dir.is_dir():
        raise SourceNotFoundError(str(source_dir), f'output folder "{source_dir}" does not exist')
    files, skipped = _scan_output(source_dir)
    total = 0
    for relative, size in files:
        upload_one(source_dir.joinpath(*relative.parts), destination, relative, s3, progress=progress,
                   transfer_config=transfer_config)
        total += size
    return UploadReport(tuple(relative for relative, _ in files), tuple(skipped), total)


def upload_one(
    source: Path,
    destination: Location,
    relative: PurePosixPath,
    s3: S3ClientProvider,
    *,
    progress: ProgressCallback | None = None,
    transfer_config: TransferConfig | None = None,
    link: bool = False,
) -> None:
    """Upload one file to `<destination>/<relative>`. A local target is written under a temporary
    name and renamed, so a reader never sees half a file; with `link` (for a file nothing writes any
    more) a file of this user's is hard-linked there (its mode and mtime as the container left them),
    and copied where it cannot be (another filesystem) or is another user's (a copy is the user's own)."""
    if isinstance(destination, S3Location):
        target = destination.child(relative.as_posix())
        client = s3()
        with s3_errors("PutObject", target):
            client.upload_file(
                Filename=str(source),
                Bucket=target.bucket,
                Key=target.key,
                Callback=progress,
                Config=transfer_config,
            )
        return
    target_path = destination.path.joinpath(*relative.parts)
    _mkdir(target_path.parent)
    partial = target_path.with_name(f".{target_path.name}.partial")
    try:
        if not (link and source.stat().st_uid == os.geteuid() and _link(source, partial)):
            _copy_file(source, partial, progress)
        elif progress is not None:
            progress(partial.stat().st_size)
        os.replace(partial, target_path)
    except OSError as exc:
        raise LocalFileError("writing", str(target_path), exc) from exc
    finally:
        partial.unlink(missing_ok=True)  # gone once renamed; never left behind by a failure


def unshare(folder: Path) -> None:
    """Give every file under `folder` that has other links (an output delivered by `upload_one(link=True)`)
    a copy of its own, mode and mtime kept, so what is written there from now on does not reach the
    destination. Raises `LocalFileError`."""
    for path in folder.rglob("*"):
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                private = path.with_name(f".{path.name}.unshared")
                shutil.copy2(path, private)
                os.replace(private, path)
        except OSError as exc:
            raise LocalFileError("copying", str(path), exc) from exc


def _scan_output(root: Path) -> tuple[list[tuple[PurePosixPath, int]], list[SkippedEntry]]:
    def fail(exc: OSError) -> None:
        raise LocalFileError("listing", str(exc.filename or root), exc)

    files: list[tuple[PurePosixPath, int]] = []
    skipped: list[SkippedEntry] = []
    for folder, dirs, names in os.walk(root, onerror=fail):  # followlinks=False: symlinked dirs not entered
        base = Path(folder)
        for name in dirs:
            if (base / name).is_symlink():
                relative = _relative(base / name, root)
                skipped.append(SkippedEntry(relative, "symlink to a folder, not followed"))
        for name in names:
            path = base / name
            try:
                info = path.lstat()
            except OSError as exc:
                raise LocalFileError("reading", str(path), exc) from exc
            if stat.S_ISREG(info.st_mode):
                files.append((_relative(path, root), info.st_size))
            elif stat.S_ISLNK(info.st_mode):
                skipped.append(SkippedEntry(_relative(path, root), "symlink, not followed"))
            else:
                skipped.append(SkippedEntry(_relative(path, root), "not a regular file"))
    files.sort(key=lambda item: item[0].as_posix())
    skipped.sort(key=lambda entry: entry.relative_path.as_posix())
    return files, skipped


def _relative(path: Path, root: Path) -> PurePosixPath:
    return PurePosixPath(path.relative_to(root).as_posix())


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalFileError("creating folder", str(path), exc) from exc


def _copy_file(source: Path, target: Path, progress: ProgressCallback | None) -> None:
    try:
        with source.open("rb") as src, target.open("wb") as dst:
            _pump(src, dst, progress)
    except OSError as exc:
        raise LocalFileError("copying", f"{source} to {target}", exc) from exc


def _pump(src: BinaryIO, dst: BinaryIO, progress: ProgressCallback | None) -> None:
    while chunk := src.read(_CHUNK):
        dst.write(chunk)
        if progress is not None:
            progress(len(chunk))
