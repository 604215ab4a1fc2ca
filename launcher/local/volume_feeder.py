"""Pipe mode with volume staging: the FIFOs are in the hosts' volumes, fed from inside the engine.

The contract is feeder.py's (manifest, `<InputName>_<epoch>` FIFOs, key order, gunzip, epochs, faults),
and so are the bytes: `object_chunks` reads and gunzips for both. What differs is who writes the FIFO:

- prepare(), before the containers start: each manifest (also kept in hosts/<host>/ml/, as with bind
  mounts) and FIFO `_0` go into the host's volume (a FIFO entry of a tar: the engine makes it); then a
  feeder container per FIFO is started on the volume: the job's image running a shell as root with no
  network, its stdin attached by the launcher, which opens the FIFO (waiting, as a writer does, until
  the job's reader opens it: the reader, started later, finds a writer at once), prints `opened` and
  becomes `cat` from its stdin into the FIFO.
- start(), once the containers run: a thread per channel waits for `opened` (so, as with bind mounts,
  no object is read from its source before a reader is there), then streams the shard's objects into
  that stdin through the engine's API, never blocking for longer than a poll, so stop() ends it. At the
  end of the data the next epoch's FIFO is made and its feeder started (epochs > 1), then the stdin
  is closed: cat drains into the FIFO and exits, and the reader sees EOF.
- a reader that closes early makes cat fail with EPIPE and exit; the engine then ends the attach
  connection, which ends the epoch quietly, as EPIPE does in feeder.py. A feeder that exits for any
  other reason (what it printed says why) is a FeedError.
- a fault while streaming (FeedError, feeder.py's texts) keeps the stdin open, so the reader waits
  rather than see a clean EOF; `failed` turns true and the job is stopped, as with bind mounts.
- stop() ends the threads and removes the feeder containers; the FIFOs go with the volumes.

The feeder runs /bin/sh and cat from the job's image (any Debian-, Ubuntu- or Alpine-based image has
them); without them the job fails naming the image.
"""

from __future__ import annotations

import contextlib
import select
import socket
import sys
import threading
import time
import traceback
from pathlib import Path, PurePosixPath
from typing import Any

from docker.errors import APIError

from launcher.errors import LauncherError
from launcher.local.archive import Fifo, LocalFile, tar_stream
from launcher.local.feeder import (
    CHUNK_SIZE,
    DEFAULT_STOP_TIMEOUT,
    FeedError,
    FeedState,
    PipeChannel,
    manifest_text,
    object_chunks,
)
from launcher.local.staging import in_parallel
from launcher.local.volumes import VolumeFiles
from launcher.local.workspace import CONTAINER_ML
from launcher.storage.client import S3ClientProvider

OPENED = b"opened"
FEED_SCRIPT = 'exec 3>"$0" && printf opened && exec cat >&3'  # open (waits for the reader), say so, then copy
POLL_MS = 100
SAID_LIMIT = 4096


class _Stopping(Exception):
    """stop() was called while a writer waited."""


class VolumeFeeder(FeedState):
    """The feeder containers of a job's Pipe inputs and the threads streaming into them."""

    def __init__(self, channels: list[PipeChannel], s3: S3ClientProvider, files: VolumeFiles, *, epochs: int = 1,
                 chunk_size: int = CHUNK_SIZE, stop_timeout: float = DEFAULT_STOP_TIMEOUT,
                 spool: Path | None = None) -> None:
        super().__init__(channels, s3, epochs=epochs, chunk_size=chunk_size, stop_timeout=stop_timeout, spool=spool)
        self.files = files
        self._feeds: list[_Feed] = []
        self._first: dict[int, _Feed] = {}  # channel index -> its epoch-0 feeder

    def fifo(self, channel: PipeChannel, epoch: int) -> PurePosixPath:
        """The FIFO's path in the host's container."""
        return CONTAINER_ML / self._in_volume(channel, channel.fifo(epoch))

    def _in_volume(self, channel: PipeChannel, path: Path) -> PurePosixPath:
        """Where a path of the channel's host folder is in the host's volume, relative to /opt/ml."""
        return PurePosixPath(path.relative_to(self.files.files.workspace.host_ml(channel.host)).as_posix())

    def prepare(self) -> None:
        """Every manifest and `_0` FIFO into the volumes, then every epoch-0 feeder started."""
        try:
            for channel in self.channels:
                channel.folder.mkdir(parents=True, exist_ok=True)
                channel.manifest.write_text(manifest_text(channel), encoding="utf-8")
                entries = (LocalFile(self._in_volume(channel, channel.manifest), channel.manifest),
                           Fifo(self._in_volume(channel, channel.fifo(0))))
                self.files.put(channel.host, b"".join(tar_stream(entries, self.s3)))

            def start_first(index: int) -> None:
                self._first[index] = self._start_feed(self.channels[index], 0)

            in_parallel(tuple(range(len(self.channels))), start_first)
        except BaseException:
            self.stop()
            raise

    def start(self) -> None:
        for index, channel in enumerate(self.channels):
            thread = threading.Thread(target=self._feed, args=(channel, self._first[index]), daemon=True,
                                      name=f"pipe-feeder-{channel.host}-{channel.input_name}")
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """End every writer (abandoning, after `stop_timeout`, one stuck in a network read) and remove the
        feeder containers and the spool."""
        self._stopping.set()
        deadline = time.monotonic() + self.stop_timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            feeds, self._feeds = self._feeds, []
        in_parallel(tuple(feeds), lambda feed: feed.remove())
        self.objects.close()

    def _start_feed(self, channel: PipeChannel, epoch: int) -> _Feed:
        feed = _Feed(self.files, channel, self.fifo(channel, epoch))
        with self._lock:
            self._feeds.append(feed)
        feed.start()
        return feed

    def _feed(self, channel: PipeChannel, feed: _Feed) -> None:
        try:
            for epoch in range(self.epochs):
                try:
                    self._write_epoch(feed, channel)
                except FeedError as error:
                    self._fault(error)
                    self._stopping.wait()  # keep the stdin open: the reader must not see a clean EOF
                    return
                following = None
                if epoch + 1 < self.epochs:  # before the close, so EOF on _k means _k+1 is there
                    fifo = Fifo(self._in_volume(channel, channel.fifo(epoch + 1)))
                    self.files.put(channel.host, b"".join(tar_stream((fifo,), self.s3)))
                    following = self._start_feed(channel, epoch + 1)
                feed.close_input()
                feed.wait_exit(self._stopping)
                if following is None:
                    return
                feed = following
        except _Stopping:
            return
        except FeedError as error:
            self._fault(error)
        except LauncherError as error:
            self._fault(channel.fail(str(error)))
        except Exception as error:  # a bug: it must still fail the job, not vanish with the thread
            traceback.print_exc(file=sys.stderr)
            self._fault(channel.fail(f"internal error in the feeder: {type(error).__name__}: {error}"))

    def _write_epoch(self, feed: _Feed, channel: PipeChannel) -> None:
        """Every object into the feeder's stdin, once the reader is there; returns early, quietly, once the
        reader has closed the FIFO."""
        feed.wait_opened(self._stopping)
        self._mark_opened(channel)
        for obj in channel.objects:
            if self._stopping.is_set():
                raise _Stopping
            with contextlib.closing(object_chunks(channel, obj, self.objects.open, self.chunk_size)) as chunks:
                for chunk in chunks:
                    if not feed.send(chunk, self._stopping):
                        return


class _Feed:
    """One feeder container: `cat` from its stdin, which this end writes, into one FIFO of the volume.

    Its shell opens the FIFO first (blocking until the job's reader opens it too), then prints OPENED
    on stdout and becomes cat: nothing is read from the input's source before a reader is there, as
    with bind mounts. What it prints arrives in the engine's multiplexed frames (8-byte header: the
    stream, 0, 0, 0, the size).
    """

    def __init__(self, files: VolumeFiles, channel: PipeChannel, fifo: PurePosixPath) -> None:
        self.files = files
        self.channel = channel
        self.fifo = fifo
        self.container: str | None = None
        self.connection: Any = None
        self.raw: socket.socket | None = None
        self._poller = select.poll()
        self._frames = b""
        self.said = b""  # its stderr, the first SAID_LIMIT bytes
        self.opened = False
        self.exited = False

    def start(self) -> None:
        client = self.files.client
        self.container = self.files.create_on_volume(
            self.channel.host, entrypoint=["/bin/sh", "-c", FEED_SCRIPT, str(self.fifo)], command=[], user="0",
            stdin_open=True)
        # stdout and stderr too: the engine ends this connection when the container exits.
        self.connection = client.api.attach_socket(self.container, params={"stdin": 1, "stdout": 1, "stderr": 1,
                                                                           "stream": 1})
        self.raw = getattr(self.connection, "_sock", self.connection)
        try:
            client.api.start(self.container)
        except APIError as exc:
            raise self.channel.fail(
                f"could not start its feeder, which runs /bin/sh and cat from the job's image "
                f"{self.files.image!r}: {exc.explanation or exc}") from exc
        self.raw.setblocking(False)
        self._poller.register(self.raw, select.POLLIN)

    def wait_opened(self, stopping: threading.Event) -> None:
        """Until the job's reader has opened the FIFO; a FeedError if the feeder exits first."""
        while not self.opened:
            if stopping.is_set():
                raise _Stopping
            if self.exited:
                raise self._failure("its feeder exited before the job opened the FIFO")
            if self._poller.poll(POLL_MS):
                self._read()

    def send(self, data: bytes, stopping: threading.Event) -> bool:
        """All of `data` into the stdin; False once the feeder has exited because its reader closed the FIFO."""
        assert self.raw is not None
        self._poller.modify(self.raw, select.POLLIN | select.POLLOUT)
        view = memoryview(data)
        while view:
            if stopping.is_set():
                raise _Stopping
            for _, events in self._poller.poll(POLL_MS):
                if events & (select.POLLIN | select.POLLHUP | select.POLLERR) and not self._read():
                    return self._gone()
                if events & select.POLLOUT:
                    try:
                        view = view[self.raw.send(view):]
                    except BlockingIOError:
                        pass
                    except OSError:
                        return self._gone()
        self._poller.modify(self.raw, select.POLLIN)
        return True

    def close_input(self) -> None:
        """End of the data: the engine closes the container's stdin, cat drains into the FIFO and exits."""
        assert self.raw is not None
        with contextlib.suppress(OSError):
            self.raw.shutdown(socket.SHUT_WR)

    def wait_exit(self, stopping: threading.Event) -> None:
        while not self.exited:
            if stopping.is_set():
                raise _Stopping
            if self._poller.poll(POLL_MS):
                self._read()

    def remove(self) -> None:
        for part in (self.connection, self.raw):  # the socket closes once its file wrapper is closed too
            if part is not None:
                with contextlib.suppress(OSError):
                    part.close()
        if self.container is not None:
            with contextlib.suppress(APIError):
                self.files.client.api.remove_container(self.container, force=True)

    def _read(self) -> bool:
        """Take what the feeder printed; False at the end of the connection (the container exited)."""
        assert self.raw is not None
        try:
            data = self.raw.recv(65536)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            self.exited = True
            return False
        self._frames += data
        while len(self._frames) >= 8 and len(self._frames) >= 8 + (size := int.from_bytes(self._frames[4:8], "big")):
            stream, payload, self._frames = self._frames[0], self._frames[8:8 + size], self._frames[8 + size:]
            if stream == 1:
                self.opened = self.opened or OPENED in payload
            elif len(self.said) < SAID_LIMIT:
                self.said += payload
        return True

    def _gone(self) -> bool:
        """The feeder exited before its data ended: quietly if its reader closed the FIFO, else a FeedError."""
        for _ in range(50):  # what it printed may still be on its way after a send failed
            if self.exited or not self._poller.poll(POLL_MS // 10):
                break
            self._read()
        if b"Broken pipe" in self.said:
            return False
        raise self._failure("its feeder exited before the data ended")

    def _failure(self, what: str) -> FeedError:
        text = self.said.decode("utf-8", errors="replace").strip()
        return self.channel.fail(f"{what}: {text or 'it printed nothing'}")
