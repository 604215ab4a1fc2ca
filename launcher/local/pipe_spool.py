"""S3 objects that a job's Pipe inputs read more than once (every host of a FullyReplicated input, every
epoch): fetched from S3 once per job into a file of the job folder, and read from there by each FIFO's
writer as the file grows. 8 hosts of a 10 GB Pipe input download 10 GB, not 80.

- Which objects: an S3 object read more than once in the job (hosts x epochs), when all such objects
  together take at most half the free space of the job folder's disk; otherwise, and for every other
  object and every local file, each read streams straight from its source as before, through no disk.
- The file: an unnamed file in the job folder (`tempfile.TemporaryFile`), written by one thread per
  object, started by its first reader (so nothing is fetched before a container opens its FIFO). Each
  reader reads what has been written and waits for more. The file is closed, and its space freed, once
  its last expected read is closed, or by the kernel if the launcher dies: nothing is left behind. An
  expected read that never comes (a host that never opens its FIFO, an epoch not read) keeps its file
  until the job ends, so the disk holds at most the shared objects once.
- Faults: a GET that fails fails the open of every reader with the error a GET of its own would have
  raised; a read that fails midway is raised by every reader at that byte, after the bytes before it;
  the spool's own disk faults are `LocalFileError`s naming the job folder. A stopped job's fetch ends
  at its next chunk, and its readers see the end of the data there (the feeder, stopping, writes none
  of it).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import LocalFileError
from launcher.storage.listing import SourceObject
from launcher.storage.locations import S3Location
from launcher.storage.transfer import ByteStream, open_stream

CHUNK_SIZE = 1 << 20
FREE_SPACE_SHARE = 0.5  # the most of the job folder's free space the spool may take


class PipeSpool:
    """Opens the objects of a job's Pipe channels: shared ones through the spool, the rest from their source."""

    def __init__(self, folder: Path | None, reads: Mapping[str, tuple[int, int]], s3: S3ClientProvider,
                 stopping: threading.Event) -> None:
        """`reads`: per S3 object URI, (how many times the job reads it, its size); `folder` None: no spool."""
        shared = {uri: count for uri, (count, _) in reads.items() if count > 1}
        room = _free_bytes(folder) * FREE_SPACE_SHARE if folder is not None and shared else 0
        fits = sum(reads[uri][1] for uri in shared) <= room
        self._folder = folder
        self._shared = shared if fits else {}
        self._s3 = s3
        self._stopping = stopping
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def open(self, obj: SourceObject) -> ByteStream:
        if not isinstance(obj.location, S3Location) or obj.uri not in self._shared:
            return open_stream(obj, self._s3)
        with self._lock:
            entry = self._entries.get(obj.uri)
            if entry is None:
                if self._stopping.is_set():  # the job has ended: nothing more to fetch for it
                    return open_stream(obj, self._s3)
                assert self._folder is not None, "objects are shared only with a spool folder"
                entry = _Entry(self._folder, self._shared[obj.uri])
                self._entries[obj.uri] = entry
                threading.Thread(target=entry.fetch, args=(obj, self._s3, self._stopping), daemon=True,
                                 name="pipe-spool").start()
        return entry.reader()

    def close(self) -> None:
        """Forget every object: a file still held by an abandoned reader is closed when that reader is."""
        with self._lock:
            self._entries.clear()


class _Entry:
    """One shared object: its file, how much of it is written, how it ended, how many reads are to come."""

    def __init__(self, folder: Path, reads: int) -> None:
        self.folder = folder
        self.reads_left = reads
        self.changed = threading.Condition()
        self.file: IO[bytes] | None = None
        self.opened = False
        self.open_error: Exception | None = None
        self.written = 0
        self.done = False
        self.error: Exception | None = None

    def fetch(self, obj: SourceObject, s3: S3ClientProvider, stopping: threading.Event) -> None:
        """In a thread of its own: the object into the file, until it ends, the job stops or no read is left."""
        try:
            file = tempfile.TemporaryFile(dir=self.folder)  # noqa: SIM115 - closed once its last read is done
        except OSError as error:
            self._finish(LocalFileError("making a Pipe spool file in", str(self.folder), error))
            return
        try:
            stream = open_stream(obj, s3)
        except Exception as error:  # a StorageError, which every reader's open raises
            file.close()
            self._finish(error)
            return
        with self.changed:
            self.file, self.opened = file, True
            self.changed.notify_all()
        try:
            while not stopping.is_set() and self.reads_left and (chunk := stream.read(CHUNK_SIZE)):
                try:
                    file.write(chunk)
                    file.flush()
                except OSError as error:
                    raise LocalFileError("writing a Pipe spool file in", str(self.folder), error) from error
                with self.changed:
                    self.written += len(chunk)
                    self.changed.notify_all()
        except Exception as error:  # every reader raises it where its bytes stop
            self._finish(error)
            return
        finally:
            with contextlib.suppress(Exception):  # the bytes are all there, or the fault is already told
                stream.close()
        self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        with self.changed:
            if self.opened:
                self.error = error
            else:
                self.opened = True
                self.open_error = error
            self.done = True
            self._close_when_unread()
            self.changed.notify_all()

    def _close_when_unread(self) -> None:
        """With the lock held: the file goes once the fetch has ended and no read is left to come."""
        if self.done and not self.reads_left and self.file is not None:
            self.file.close()

    def reader(self) -> _SpoolReader:
        with self.changed:
            self.changed.wait_for(lambda: self.opened)
            if self.open_error is not None:
                raise _fresh(self.open_error)
            assert self.file is not None, "an opened entry has its file"
            return _SpoolReader(self, self.file.fileno())

    def closed_one(self) -> None:
        with self.changed:
            self.reads_left -= 1
            self._close_when_unread()


class _SpoolReader:
    """A ByteStream over a spool file still being written: reads wait for bytes, and end where the fetch ended.

    It reads the entry's descriptor with pread, which the entry keeps open until this reader is closed."""

    def __init__(self, entry: _Entry, fd: int) -> None:
        self._entry = entry
        self._fd = fd
        self._position = 0
        self._closed = False

    def read(self, size: int = -1, /) -> bytes:
        entry = self._entry
        with entry.changed:
            entry.changed.wait_for(lambda: entry.written > self._position or entry.done)
            available = entry.written - self._position
            if not available and entry.error is not None:
                raise _fresh(entry.error)
        data = os.pread(self._fd, available if size < 0 else min(size, available), self._position)
        self._position += len(data)
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._entry.closed_one()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
                 ) -> None:
        self.close()


def _fresh(error: Exception) -> Exception:
    """A copy of `error` for one reader to raise: the shared one's traceback would gather every reader's frames."""
    try:
        return copy.copy(error)
    except Exception:  # an exception type that cannot be copied: the shared one, as it is
        return error


def _free_bytes(folder: Path) -> int:
    """Free bytes on the disk that holds `folder`, or would hold it once made."""
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    return shutil.disk_usage(existing).free
