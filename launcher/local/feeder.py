"""Pipe mode for the local backend: each host's Pipe inputs as FIFOs, streamed from S3 or local files.

For every Pipe-mode input on every host, in that host's copy of the input's LocalPath
(`workspace.host_path(host, destination)`, bind-mounted under /opt/ml in its container):

    <InputName>-manifest   written before the containers start: line 1 the prefix every URI below
                           starts with (what File mode strips: `s3://bkt/ecg/`), then the URI of each
                           object of the host's shard, one per line, in stream order; no sizes
                           (see entrypoints/byoc_runtime/pipe.py for why)
    <InputName>_0          a FIFO made before the containers start; a writer thread streams the
                           shard's objects into it, in key order, back to back, gunzipped when
                           s3_compression_type is Gzip (`zlib.decompressobj(wbits=31)`, member after
                           member), never through the disk
    <InputName>_1 ...      with `epochs` > 1: made once the previous epoch is entirely written or its
                           reader closed it, and before the previous FIFO's write end is closed, so a
                           reader that sees EOF on `_k` finds `_(k+1)` at once if there is one

The shards are the ones `staging.plan_inputs` planned (ShardedByS3Key: key-sorted, round-robin);
an empty shard gets a manifest with only its first line and a FIFO that reads EOF at once.

The launcher never waits on a container's reader:
- a writer opens its FIFO with O_NONBLOCK, retrying every 10 ms while no reader has it open (a reader
  that never comes costs nothing), and writes without blocking, polling for room, so `stop()` ends
  every writer within a poll interval; a thread still inside an S3 read at `stop()` is a daemon and
  is abandoned after `stop_timeout` seconds;
- a reader that closes early, or a container that dies, gives the writer EPIPE: that epoch is over,
  it is not an error (the job's outcome is the containers' exit codes);
- a fault of the feeder itself (a key or file that vanished after planning, an S3 error, a corrupt or
  truncated gzip, a key whose name cannot be a manifest line) is a `FeedError` naming the input, host
  and object. The writer keeps its FIFO open, so the reader waits instead of mistaking the cut for the
  end of the data; `failed` turns true, the backend stops the job (SIGTERM to every container) and
  records it as Failed with FailureReason `ClientError: Failed to stream data ... <uri> ...`.

FIFOs cross bind mounts only within one kernel: this feeder serves bind-mounted staging, with an engine
on this machine's kernel. Docker Desktop shares host folders into its VM through a file-sharing layer
that does not carry FIFOs (a container there sees the FIFO but never gets its data), and a remote
engine sees no folder of this machine at all: with volume staging, `volume_feeder.py` feeds the same
FIFOs from inside the engine.
"""

from __future__ import annotations

import abc
import contextlib
import errno
import fcntl
import os
import select
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from launcher.definition import ProcessingInput
from launcher.errors import BackendError
from launcher.local.pipe_spool import PipeSpool
from launcher.local.read_ahead import QUEUED_CHUNKS, read_ahead
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import StorageError
from launcher.storage.listing import SourceObject
from launcher.storage.locations import S3Location
from launcher.storage.transfer import ByteStream

CHUNK_SIZE = 1 << 20
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux)
PIPE_MAX_SIZE_FILE = Path("/proc/sys/fs/pipe-max-size")
PIPE_SIZE_CAP = 8 << 20
PIPE_DEFAULT_SIZE = 64 << 10
OPEN_RETRY_SECONDS = 0.01
WRITE_POLL_SECONDS = 0.1
DEFAULT_STOP_TIMEOUT = 5.0
FAILURE_REASON_BYTES = 1024
READ_AHEAD_OBJECTS = 4  # objects of a channel fetched at once
READ_AHEAD_BUDGET = 128 << 20  # bytes all channels may hold read ahead: fewer objects ahead with many channels
_GZIP_MAGIC = b"\x1f\x8b"


class FeedError(BackendError):
    """The feeder could not stream an object into a Pipe input; names the input, host and object."""

    def __init__(self, input_name: str, host: str, detail: str) -> None:
        self.input_name = input_name
        self.host = host
        self.detail = detail
        super().__init__(f"Pipe input '{input_name}' on {host}: {detail}")

    @property
    def failure_reason(self) -> str:
        """The job's FailureReason, in the service's words for a data fault, cut to 1 KB."""
        text = f"ClientError: Failed to stream data. {self}"
        return text.encode("utf-8")[:FAILURE_REASON_BYTES].decode("utf-8", errors="ignore")


@dataclass(frozen=True, slots=True)
class PipeChannel:
    """One Pipe-mode input on one host: where its FIFOs go and what streams into them."""

    host: str
    input_name: str
    folder: Path  # the host-side folder of the input's LocalPath
    prefix: str  # the manifest's first line
    objects: tuple[SourceObject, ...]
    gzip: bool

    def fifo(self, epoch: int) -> Path:
        return self.folder / f"{self.input_name}_{epoch}"

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.input_name}-manifest"

    def fail(self, detail: str) -> FeedError:
        return FeedError(self.input_name, self.host, detail)


def pipe_channels(inputs: tuple[ProcessingInput, ...], plans: Mapping[str, Mapping[str, list[SourceObject]]],
                  workspace: JobWorkspace) -> list[PipeChannel]:
    """A PipeChannel per Pipe-mode input and host, from staging's plan (input -> host -> objects)."""
    channels = []
    for item in inputs:
        if item.s3_input_mode != "Pipe":
            continue
        assert item.input_name is not None and item.destination is not None, "a normalized S3 input"
        shards = plans[item.input_name]
        prefix = _common_prefix(item, [obj for objects in shards.values() for obj in objects])
        for host, objects in shards.items():
            channels.append(PipeChannel(host, item.input_name, workspace.host_path(host, item.destination), prefix,
                                        tuple(objects), item.s3_compression_type == "Gzip"))
    return channels


def manifest_text(channel: PipeChannel) -> str:
    """The manifest's content; a URI with a line break cannot be a line of it (FeedError)."""
    for obj in channel.objects:
        if "\n" in obj.uri or "\r" in obj.uri:
            raise channel.fail(f"{obj.uri!r}: the key contains a line break, which the Pipe manifest (one URI per "
                               "line) cannot hold; rename the object or use File mode")
    return "".join(f"{line}\n" for line in (channel.prefix, *(obj.uri for obj in channel.objects)))


class _Stopping(Exception):
    """stop() was called while a writer waited."""


class FeedState(abc.ABC):
    """What both feeders (this one and volume_feeder's) keep of their writer threads: the first fault, the
    channels a reader opened, the stop signal; a context manager whose exit calls `stop()`."""

    def __init__(self, channels: list[PipeChannel], s3: S3ClientProvider, *, epochs: int,
                 chunk_size: int, stop_timeout: float, spool: Path | None) -> None:
        if epochs < 1:
            raise ValueError(f"pipe epochs must be at least 1, got {epochs}")
        self.channels = channels
        self.s3 = s3
        self.epochs = epochs
        self.chunk_size = chunk_size
        self.stop_timeout = stop_timeout
        self._stopping = threading.Event()
        reads: dict[str, tuple[int, int]] = {}  # per S3 object: (how many times the job reads it, its size)
        for channel in channels:
            for obj in channel.objects:
                if isinstance(obj.location, S3Location):  # a local file is read from its own disk
                    reads[obj.uri] = (reads.get(obj.uri, (0, 0))[0] + epochs, obj.size)
        self.objects = PipeSpool(spool, reads, s3, self._stopping)  # an S3 object read twice is fetched once
        self._lock = threading.Lock()
        self._error: FeedError | None = None
        self._opened: set[tuple[str, str]] = set()
        self._threads: list[threading.Thread] = []

    @property
    def error(self) -> FeedError | None:
        """The first fault of any writer, or None."""
        with self._lock:
            return self._error

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def opened(self) -> frozenset[tuple[str, str]]:
        """(input name, host) of every channel whose FIFO some reader opened: its writer got going."""
        with self._lock:
            return frozenset(self._opened)

    @abc.abstractmethod
    def stop(self) -> None:
        """End every writer and remove what was made for them."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _fault(self, error: FeedError) -> None:
        """The first fault of a writer fails the job; none counts once `stop()` began (the job has ended, and
        what it removes, FIFOs and spool, may fail a writer still going)."""
        with self._lock:
            if self._error is None and not self._stopping.is_set():
                self._error = error

    def _mark_opened(self, channel: PipeChannel) -> None:
        with self._lock:
            self._opened.add((channel.input_name, channel.host))


class PipeFeeder(FeedState):
    """The writer threads of a job's Pipe inputs; a context manager whose exit stops them."""

    def __init__(self, channels: list[PipeChannel], s3: S3ClientProvider, *, epochs: int = 1,
                 chunk_size: int = CHUNK_SIZE, stop_timeout: float = DEFAULT_STOP_TIMEOUT,
                 spool: Path | None = None) -> None:
        super().__init__(channels, s3, epochs=epochs, chunk_size=chunk_size, stop_timeout=stop_timeout, spool=spool)

    def prepare(self) -> None:
        """Write every manifest and make every `_0` FIFO: before the containers start. On failure the
        FIFOs already made are removed again (a FIFO left behind hangs whoever opens it)."""
        try:
            for channel in self.channels:
                channel.folder.mkdir(parents=True, exist_ok=True)
                channel.manifest.write_text(manifest_text(channel), encoding="utf-8")
                _mkfifo(channel.fifo(0))
        except BaseException:
            self.stop()
            raise

    def start(self) -> None:
        for channel in self.channels:
            thread = threading.Thread(target=self._feed, args=(channel,), daemon=True,
                                      name=f"pipe-feeder-{channel.host}-{channel.input_name}")
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """End every writer (abandoning, after `stop_timeout`, one stuck in a network read) and remove
        the FIFOs and the spool; the manifests stay in the job folder."""
        self._stopping.set()
        deadline = time.monotonic() + self.stop_timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for channel in self.channels:
            for epoch in range(self.epochs):
                with contextlib.suppress(FileNotFoundError):
                    channel.fifo(epoch).unlink()
        self.objects.close()

    def _feed(self, channel: PipeChannel) -> None:
        try:
            for epoch in range(self.epochs):
                fd = self._open_writer(channel, epoch)
                self._mark_opened(channel)
                try:
                    _raise_pipe_size(fd)
                    try:
                        self._write_epoch(fd, channel)
                    except FeedError as error:
                        self._fault(error)
                        self._stopping.wait()  # keep the FIFO open: the reader must not see a clean EOF
                        return
                    if epoch + 1 < self.epochs:
                        _mkfifo(channel.fifo(epoch + 1))  # before the close, so EOF on _k means _k+1 is there
                finally:
                    os.close(fd)
        except _Stopping:
            return
        except FeedError as error:
            self._fault(error)
        except Exception as error:  # a bug: it must still fail the job, not vanish with the thread
            traceback.print_exc(file=sys.stderr)
            self._fault(channel.fail(f"internal error in the feeder: {type(error).__name__}: {error}"))

    def _open_writer(self, channel: PipeChannel, epoch: int) -> int:
        """Open the FIFO for writing once a reader has it open; raises _Stopping on stop()."""
        path = channel.fifo(epoch)
        while True:
            try:
                return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise channel.fail(f"cannot open the FIFO {path.name}: {exc.strerror}") from exc
            if self._stopping.wait(OPEN_RETRY_SECONDS):
                raise _Stopping

    def _write_epoch(self, fd: int, channel: PipeChannel) -> None:
        """Every object into the FIFO, the next ones read ahead meanwhile (read_ahead.py); returns early,
        quietly, when the reader closes its end."""
        depth = max(1, min(READ_AHEAD_OBJECTS, READ_AHEAD_BUDGET // (len(self.channels) * QUEUED_CHUNKS
                                                                     * self.chunk_size)))
        chunks = read_ahead(channel.objects,
                            lambda obj: object_chunks(channel, obj, self.objects.open, self.chunk_size),
                            depth, self._stopping)
        try:
            with contextlib.closing(chunks):
                for chunk in chunks:
                    self._write_all(fd, chunk)
        except BrokenPipeError:
            return
        if self._stopping.is_set():
            raise _Stopping

    def _write_all(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        poller: select.poll | None = None
        while view:
            try:
                view = view[os.write(fd, view):]
                continue
            except BlockingIOError:
                pass
            if poller is None:
                poller = select.poll()
                poller.register(fd, select.POLLOUT)
            while not poller.poll(WRITE_POLL_SECONDS * 1000):
                if self._stopping.is_set():
                    raise _Stopping
            if self._stopping.is_set():
                raise _Stopping


def object_chunks(channel: PipeChannel, obj: SourceObject, open_object: Callable[[SourceObject], ByteStream],
                  chunk_size: int = CHUNK_SIZE) -> Generator[bytes, None, None]:
    """One object's bytes as its reader gets them (gunzipped for a Gzip input); any fault is a FeedError."""
    try:
        stream = open_object(obj)
    except StorageError as error:
        raise channel.fail(str(error)) from error
    with stream:
        raw = _read_chunks(channel, obj, stream, chunk_size)
        yield from (_gunzip(channel, obj, raw, chunk_size) if channel.gzip else raw)


def _read_chunks(channel: PipeChannel, obj: SourceObject, stream: ByteStream, size: int) -> Iterator[bytes]:
    while True:
        try:
            chunk = stream.read(size)
        except Exception as error:  # botocore read timeouts, urllib3 protocol errors, OSError
            raise channel.fail(f"reading {obj.uri} failed: {type(error).__name__}: {error}") from error
        if not chunk:
            return
        yield chunk


def _gunzip(channel: PipeChannel, obj: SourceObject, chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Decompress a gzip object as it streams, every member of it (`cat a.gz b.gz` is one valid gzip);
    output comes in pieces of at most `size` bytes whatever the compression ratio."""
    inflater = zlib.decompressobj(wbits=31)
    fed = False  # has the current member had any input?
    for chunk in chunks:
        data = chunk
        while True:
            if inflater.eof:
                if not data:
                    break
                if not data.startswith(_GZIP_MAGIC[: len(data)]):
                    raise channel.fail(f"{obj.uri} is not a valid gzip stream: {len(data)} bytes of trailing "
                                       "garbage after a gzip member")
                inflater = zlib.decompressobj(wbits=31)
            fed = fed or bool(data)
            try:
                out = inflater.decompress(data, size)
            except zlib.error as error:
                raise channel.fail(f"{obj.uri} is not a valid gzip stream ({error})") from error
            if out:
                yield out
            if inflater.eof:
                data = inflater.unused_data
                continue
            data = inflater.unconsumed_tail
            if not data and len(out) < size:  # all input taken and no output held back: next chunk
                break
    if fed and not inflater.eof:
        raise channel.fail(f"{obj.uri} is not a valid gzip stream: it is truncated (the last member does not end)")


def _common_prefix(item: ProcessingInput, objects: list[SourceObject]) -> str:
    """What File mode strips from each URI: the URI minus the path the object lands at."""
    for obj in objects:
        relative = obj.relative_path.as_posix()
        if obj.uri.endswith(relative):
            return obj.uri[: len(obj.uri) - len(relative)]
    return item.source or ""


def _mkfifo(path: Path) -> None:
    os.mkfifo(path, 0o644)
    os.chmod(path, 0o644)  # whatever the umask: a container running as another user must read it


def _raise_pipe_size(fd: int) -> None:
    """Grow the pipe towards /proc/sys/fs/pipe-max-size (as byoc_runtime.pipe.raise_pipe_size does in
    the container: either end may set it, and both ask for the same size)."""
    try:
        target = min(int(PIPE_MAX_SIZE_FILE.read_text().strip()), PIPE_SIZE_CAP)
    except (OSError, ValueError):
        return
    while target > PIPE_DEFAULT_SIZE:
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, target)
            return
        except PermissionError:
            target //= 2
        except OSError:
            return
