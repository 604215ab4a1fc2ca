"""S3 objects that a job's Pipe inputs read more than once (every host of a FullyReplicated input, every
epoch): fetched from S3 once per job into a file of the job folder, and read from there by each FIFO's
writer as the file grows. 8 hosts of a 10 GB Pipe input download 10 GB, not 80.

- Which objects: an S3 object read more than once in the job (hosts x epochs). Every other object, and
  every local file, is streamed straight from its source as before, through no disk.
- The file: `<job folder>/pipe-spool/<n>`, written by one thread per object, started by its first
  reader (so nothing is fetched before a container opens its FIFO). Each reader reads what has been
  written and waits for more. The file is removed once its last expected read is closed, and the
  folder when the feeder stops, so the disk holds the objects between the fastest reader and the
  slowest: at most the input once.
- Faults: a GET that fails fails the open of every reader with the same StorageError a GET of its own
  would have raised; a read that fails midway is raised by every reader at that byte, after the bytes
  before it. A stopped job's fetch ends at its next chunk, and its readers see the end of the data
  there (the feeder, stopping, writes none of it).
"""

from __future__ import annotations

import collections
import itertools
import os
import shutil
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from launcher.storage.client import S3ClientProvider
from launcher.storage.listing import SourceObject
from launcher.storage.locations import S3Location
from launcher.storage.transfer import ByteStream, open_stream

CHUNK_SIZE = 1 << 20


class PipeSpool:
    """Opens the objects of a job's Pipe channels: shared ones through the spool, the rest from their source."""

    def __init__(self, folder: Path | None, reads: collections.Counter[str], s3: S3ClientProvider,
                 stopping: threading.Event) -> None:
        """`reads`: how many times the job reads each object (by URI); `folder` None: no spool."""
        self._folder = folder
        self._shared = {uri: count for uri, count in reads.items() if count > 1} if folder is not None else {}
        self._s3 = s3
        self._stopping = stopping
        self._entries: dict[str, _Entry] = {}
        self._names = itertools.count()
        self._lock = threading.Lock()

    def open(self, obj: SourceObject) -> ByteStream:
        if not isinstance(obj.location, S3Location) or obj.uri not in self._shared:
            return open_stream(obj, self._s3)
        with self._lock:
            entry = self._entries.get(obj.uri)
            if entry is None:
                assert self._folder is not None, "objects are shared only with a spool folder"
                self._folder.mkdir(parents=True, exist_ok=True)
                entry = _Entry(self._folder / str(next(self._names)), self._shared[obj.uri])
                self._entries[obj.uri] = entry
                threading.Thread(target=entry.fetch, args=(obj, self._s3, self._stopping), daemon=True,
                                 name="pipe-spool").start()
        return entry.reader()

    def remove(self) -> None:
        """The spool's files, whatever is left of them (a reader that never came, a stopped job)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class _Entry:
    """One shared object: its file, how much of it is written, how it ended, how many reads are to come."""

    def __init__(self, path: Path, reads: int) -> None:
        self.path = path
        self.reads_left = reads
        self.changed = threading.Condition()
        self.opened = False
        self.open_error: Exception | None = None
        self.written = 0
        self.done = False
        self.error: Exception | None = None

    def fetch(self, obj: SourceObject, s3: S3ClientProvider, stopping: threading.Event) -> None:
        """In a thread of its own: the object into the file, until it ends, the job stops or no read is left."""
        try:
            with self.path.open("wb") as out, open_stream(obj, s3) as stream:
                with self.changed:
                    self.opened = True
                    self.changed.notify_all()
                while not stopping.is_set() and self.reads_left and (chunk := stream.read(CHUNK_SIZE)):
                    out.write(chunk)
                    out.flush()
                    with self.changed:
                        self.written += len(chunk)
                        self.changed.notify_all()
        except Exception as error:  # before the object opened: every reader's open raises it; after: its reads
            self._finish(error)
            return
        self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        with self.changed:
            if self.opened:
                self.error = error
            else:
                self.opened = True
                self.open_error = error
            self.done = True
            self.changed.notify_all()

    def reader(self) -> _SpoolReader:
        with self.changed:
            self.changed.wait_for(lambda: self.opened)
            if self.open_error is not None:
                raise self.open_error
        return _SpoolReader(self)

    def closed_one(self) -> None:
        with self.changed:
            self.reads_left -= 1
            last = self.reads_left == 0
        if last:
            self.path.unlink(missing_ok=True)


class _SpoolReader:
    """A ByteStream over a spool file still being written: reads wait for bytes, and end where the fetch ended."""

    def __init__(self, entry: _Entry) -> None:
        self._entry = entry
        self._file: IO[bytes] = entry.path.open("rb")
        self._position = 0
        self._closed = False

    def read(self, size: int = -1, /) -> bytes:
        entry = self._entry
        with entry.changed:
            entry.changed.wait_for(lambda: entry.written > self._position or entry.done)
            available = entry.written - self._position
            if not available and entry.error is not None:
                raise entry.error
        data = os.pread(self._file.fileno(), available if size < 0 else min(size, available), self._position)
        self._position += len(data)
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._file.close()
            self._entry.closed_one()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
                 ) -> None:
        self.close()
