"""Pipe mode: read an input channel as SageMaker streams it, through the same file-like object as File mode.

What a Pipe-mode channel looks like in the container (processing-contract.md §3):

    <LocalPath>/<InputName>_0          FIFO, epoch 0: every object of this host's shard, back to back
    <LocalPath>/<InputName>_1          FIFO, epoch 1 (when the platform offers a second pass), ...
    <LocalPath>/<InputName>-manifest   text: line 1, then one object URI per line, in stream order

The objects arrive in key order, concatenated with no delimiter, and gunzipped when the input's
S3CompressionType is Gzip. Where SageMaker's documentation is silent, this module assumes the following,
and the kit's local backend (launcher/local/feeder.py) produces exactly this:

- **Manifest.** UTF-8, one entry per `\\n`-terminated line. Line 1 is a prefix of every URI below it:
  the part a File-mode download strips, so `uri[len(line 1):]` is where the object would land in File
  mode (`s3://bkt/ecg/` then `s3://bkt/ecg/sub/a.csv` -> `sub/a.csv`). On SageMaker the content of
  line 1 was not observed; the reader therefore only relies on it up to its last `/` (which is the File
  mode landing rule for an S3Prefix) and falls back to the URI's basename. The URI lines are bare, no
  sizes, as observed on SageMaker, so a script written against SageMaker's manifest
  (`[line.strip() for line in lines[1:]]`) reads ours unchanged.
- **Object boundaries.** SageMaker gives none: no sizes (a gunzipped size is unknown until the object
  is streamed anyway), no delimiter. `iter_objects` therefore splits the stream by content, for text
  formats with a header line (CSV, TSV, JSON Lines with a header...): the first non-blank line of the
  stream is the header, and every later occurrence of that exact line starts the next object. The
  header is matched as bytes with its line ending; a UTF-8 BOM in front of it moves with it; an object
  that does not end with a newline is still split correctly (its last row and the next header share a
  line, and the split falls between them; a last object that is only a header line without its line
  ending is recognised too). The k-th piece is paired with the k-th manifest URI, and a count that
  does not match is an `InputError`. Limits, documented rather than guessed around: every object must
  begin with the same header line as the first, no object may be empty, no data line may end with the
  header's text, and an object that is only a header must end its line (unless it is the last).
  Binary or headerless formats use `open_channel` and parse the objects' own framing (a .npy header
  gives its size, a RecordIO record its length).
- **Epochs.** `<InputName>_0` exists when the container starts. Training's documented rule is kept:
  read `_k` to EOF, then `_(k+1)` is the next pass. The kit's feeder creates `_(k+1)` before it closes
  `_k`, so a reader that reached EOF on `_k` finds `_(k+1)` at once if and only if there is one; a
  reader that closed `_k` early waits up to `next_epoch_wait` seconds for it. How many epochs
  SageMaker offers a processing job is undocumented (`_0` and `_1` were observed at start).
- **Speed.** Data is read in 1 MiB `readinto` calls, and the pipe's kernel buffer is raised with
  fcntl F_SETPIPE_SZ towards /proc/sys/fs/pipe-max-size (1 MiB by default on Linux, which needs no
  privilege), so the writer and the reader do not ping-pong on the default 64 KiB.

File mode reads through the same functions: `open_channel` gives the channel's files concatenated in
key order (what Pipe mode would stream), `iter_objects` gives each file, seekable, named by its path
relative to the channel. A job written against these runs unchanged in either mode:

    from byoc_runtime import iter_objects, load_context

    ctx = load_context()
    for obj, stream in iter_objects(ctx, "ecg"):     # File or Pipe mode alike
        table = pyarrow.csv.read_csv(stream)          # or pandas.read_csv(stream)
        write(f"pca_{obj.basename}", table)
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, cast

from byoc_runtime.context import JobContext
from byoc_runtime.errors import InputError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK_SIZE = 1 << 20
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, Linux >= 2.6.35 (the constant is spelled out: not every build exports it)
F_GETPIPE_SZ = 1032
PIPE_MAX_SIZE_FILE = Path("/proc/sys/fs/pipe-max-size")
PIPE_SIZE_CAP = 8 << 20  # a larger kernel buffer brings nothing measurable and is unswappable kernel memory
BOM = b"\xef\xbb\xbf"
DEFAULT_NEXT_EPOCH_WAIT = 5.0
_POLL_SECONDS = 0.05
_COMPACT_AT = 4 << 20


@dataclass(frozen=True)
class PipeObject:
    """One object of a channel: its position in the stream, its URI, and its path as File mode lands it."""

    index: int
    uri: str
    name: str

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name


@dataclass(frozen=True)
class Manifest:
    """`<InputName>-manifest`: the first line, then the objects' URIs in stream order."""

    first_line: str
    uris: tuple[str, ...]

    @property
    def base(self) -> str:
        """The first line up to its last '/': what File mode strips from a URI to get the landing path."""
        return self.first_line[: self.first_line.rfind("/") + 1]

    def objects(self) -> tuple[PipeObject, ...]:
        base = self.base
        return tuple(PipeObject(i, uri, _landing_name(uri, base)) for i, uri in enumerate(self.uris))


def input_mode(ctx: JobContext, name: str) -> str:
    """The channel's S3InputMode, "File" or "Pipe" (an InputError for an unknown channel)."""
    return ctx.input(name).input_mode


def fifo_path(ctx: JobContext, name: str, epoch: int = 0) -> Path:
    """`<LocalPath>/<InputName>_<epoch>`, mapped onto this process's /opt/ml."""
    return ctx.input_dir(name) / f"{name}_{epoch}"


def manifest_path(ctx: JobContext, name: str) -> Path:
    return ctx.input_dir(name) / f"{name}-manifest"


def read_manifest(ctx: JobContext, name: str) -> Manifest:
    """The channel's manifest; an InputError naming the file when it is missing or not UTF-8."""
    return parse_manifest(manifest_path(ctx, name), channel=name)


def parse_manifest(path: Path, *, channel: str | None = None) -> Manifest:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"no Pipe-mode manifest {path.name} in the channel's folder (is S3InputMode Pipe?)",
                         channel=channel) from None
    except OSError as exc:
        raise InputError(f"cannot read the manifest: {exc.strerror}", channel=channel, file=path.name) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"the manifest is not UTF-8 ({exc.reason} at byte {exc.start})", channel=channel,
                         file=path.name) from exc
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if not lines or not lines[0]:
        raise InputError("the manifest has no first line", channel=channel, file=path.name)
    return Manifest(lines[0], tuple(line for line in lines[1:] if line))


def open_channel(ctx: JobContext, name: str, epoch: int = 0, *, wait_seconds: float = 0.0) -> io.BufferedReader:
    """The channel's bytes as one binary stream: Pipe mode, the FIFO of `epoch`; File mode, the files.

    Pipe mode: waits up to `wait_seconds` for the FIFO to exist, then opens it (which blocks until the
    platform opens the other end) with its kernel buffer raised. File mode: every regular file below
    the channel's folder, in the order of their relative paths, back to back, as Pipe mode would
    stream them (any `epoch`: files can be read again).
    """
    if input_mode(ctx, name) == "Pipe":
        return open_fifo(fifo_path(ctx, name, epoch), channel=name, wait_seconds=wait_seconds)
    root = ctx.input_dir(name)
    return io.BufferedReader(_Concatenation([path for _, path in channel_files(root)]), buffer_size=CHUNK_SIZE)


def open_fifo(path: Path, *, channel: str | None = None, wait_seconds: float = 0.0) -> io.BufferedReader:
    """A FIFO opened for reading as a BufferedReader over a `PipeReader` (see `open_channel`)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            mode = path.stat().st_mode
            break
        except FileNotFoundError:
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                raise InputError(f"no Pipe-mode FIFO {path.name}{waited} (is S3InputMode Pipe? the folder holds: "
                                 f"{_listing(path.parent)})", channel=channel) from None
            time.sleep(_POLL_SECONDS)
    if not stat.S_ISFIFO(mode):
        raise InputError(f"{path.name} is not a FIFO (is S3InputMode Pipe?)", channel=channel)
    try:
        raw = PipeReader(path)
    except OSError as exc:
        raise InputError(f"cannot open the FIFO {path.name}: {exc.strerror}", channel=channel) from exc
    return io.BufferedReader(raw, buffer_size=max(CHUNK_SIZE, raw.pipe_size))


def epochs(ctx: JobContext, name: str, *, max_epochs: int | None = None,
           next_epoch_wait: float = DEFAULT_NEXT_EPOCH_WAIT) -> Iterator[io.BufferedReader]:
    """One stream per pass over the channel; each is closed when the next is asked for.

    Pipe mode: `_0`, then `_1` if it exists once `_0` reached EOF (waiting up to `next_epoch_wait`
    seconds only if `_0` was closed before EOF), and so on, up to `max_epochs`. File mode: the files
    `max_epochs` times (once by default).
    """
    if input_mode(ctx, name) != "Pipe":
        for epoch in range(max_epochs or 1):
            with open_channel(ctx, name, epoch) as stream:
                yield stream
        return
    epoch = 0
    wait = 0.0
    while max_epochs is None or epoch < max_epochs:
        if epoch > 0 and not _appears(fifo_path(ctx, name, epoch), wait):
            return
        with open_fifo(fifo_path(ctx, name, epoch), channel=name) as stream:
            yield stream
            wait = 0.0 if isinstance(stream.raw, PipeReader) and stream.raw.at_eof else next_epoch_wait
        epoch += 1


def iter_objects(ctx: JobContext, name: str, *, epoch: int = 0) -> Iterator[tuple[PipeObject, io.BufferedReader]]:
    """Each object of the channel with a binary stream of its bytes, in key order, File or Pipe mode.

    File mode: each file (seekable), named by its path relative to the channel's folder. Pipe mode: the
    stream of `epoch` split where its header line repeats, paired with the manifest's URIs (see the
    module docstring for the rule and its limits). A stream is valid until the next object is asked
    for; what the caller did not read of it is skipped.
    """
    if input_mode(ctx, name) != "Pipe":
        root = ctx.input_dir(name)
        for index, (relative, path) in enumerate(channel_files(root)):
            try:
                file = path.open("rb")
            except OSError as exc:
                raise InputError(f"cannot be opened: {exc.strerror}", channel=name, file=relative) from exc
            with file:
                yield PipeObject(index, str(ctx.input(name).local_path / relative), relative), file
        return
    objects = read_manifest(ctx, name).objects()
    count = 0
    with open_channel(ctx, name, epoch) as stream:
        for part in split_objects(stream):
            if count >= len(objects):
                raise InputError(f"the stream holds more objects than the {len(objects)} its manifest lists: "
                                 f"{_split_hint()}", channel=name)
            yield objects[count], part
            count += 1
    if count < len(objects):
        missing = objects[count]
        raise InputError(f"the stream holds {count} object(s) but the manifest lists {len(objects)}; the first "
                         f"one not found is {missing.uri}: {_split_hint()}", channel=name)


def channel_files(root: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of every regular file below `root`, sorted by relative path."""
    if not root.is_dir():
        return []
    return sorted((path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file())


def split_objects(stream: BinaryIO, *, chunk_size: int = CHUNK_SIZE) -> Iterator[io.BufferedReader]:
    """The objects of a concatenated text stream, split where its first non-blank line repeats.

    Yields one non-seekable stream per object; each is valid until the next is asked for, and what was
    not read of it is skipped. An empty stream yields nothing; a stream whose first line never ends
    is one object.
    """
    splitter = _Splitter(stream, chunk_size)
    if not splitter.start():
        return
    while True:
        part = cast(io.BufferedReader, io.BufferedReader(_ObjectReader(splitter), buffer_size=chunk_size))
        with part:
            yield part
        if not splitter.next_object():
            return


def raise_pipe_size(fd: int, wanted: int | None = None) -> int:
    """Grow the kernel buffer of the pipe `fd` towards `wanted` (default: /proc/sys/fs/pipe-max-size, at
    most 8 MiB); the size in effect afterwards, or 0 when `fd` is not a pipe or the system cannot tell.

    An unprivileged process may go up to pipe-max-size; past the user's pipe quota the kernel says EPERM
    and a smaller size is tried. The buffer is never shrunk.
    """
    try:  # F_GETPIPE_SZ is Linux's: elsewhere, and on a non-pipe, EINVAL
        current = int(fcntl.fcntl(fd, F_GETPIPE_SZ))
    except OSError:
        return 0
    target = min(wanted if wanted is not None else _pipe_max_size(), PIPE_SIZE_CAP)
    while target > current:
        try:
            return int(fcntl.fcntl(fd, F_SETPIPE_SZ, target))
        except PermissionError:
            target //= 2
        except OSError:
            break
    return current


class PipeReader(io.FileIO):
    """A FIFO opened for reading (blocks until a writer opens it), its pipe buffer raised.

    `readinto` is FileIO's, in C; `at_eof` tells whether the writer's end was reached, `pipe_size` the
    kernel buffer in effect.
    """

    def __init__(self, path: Path | str, pipe_size: int | None = None) -> None:
        super().__init__(path, "rb")
        self.pipe_size = raise_pipe_size(self.fileno(), pipe_size)
        self.at_eof = False

    def readinto(self, buffer: WriteableBuffer, /) -> int | None:
        count = super().readinto(buffer)
        if count == 0 and memoryview(buffer).nbytes:
            self.at_eof = True
        return count

    def readall(self) -> bytes:
        data = super().readall()
        self.at_eof = True
        return data


class _Concatenation(io.RawIOBase):
    """Files read one after the other as one raw stream (File mode's `open_channel`)."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self._paths = list(reversed(paths))
        self._current: io.FileIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        while True:
            if self._current is None:
                if not self._paths:
                    return 0
                self._current = io.FileIO(self._paths.pop(), "rb")
            count = self._current.readinto(buffer)
            if count is None or count:  # None: cannot happen for a regular file (no O_NONBLOCK)
                return count or 0
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


class _Splitter:
    """The state of `split_objects`: a window on the stream and where the current object ends.

    `_buf[_pos:]` is unread; the current object ends at `_end` once that is known. A header match is
    looked for from `_search` on; bytes that could still be the start of a match (the last
    len(header) + len(BOM) - 1) are held back until more data, or EOF, decides.
    """

    def __init__(self, source: BinaryIO, chunk_size: int) -> None:
        self._source = source
        self._read = getattr(source, "read1", source.read)
        self._chunk = chunk_size
        self._buf = bytearray()
        self._pos = 0
        self._search = 0
        self._end: int | None = None
        self._eof = False
        self._header: bytes | None = None
        self.index = 0

    def start(self) -> bool:
        """Find the header (the first non-blank line); False for an empty stream."""
        scan = 0
        while True:
            newline = self._buf.find(b"\n", scan)
            if newline < 0:
                if self._fill():
                    continue
                return len(self._buf) > 0  # no complete non-blank line: the whole stream is one object
            line = bytes(self._buf[scan:newline + 1])
            at = scan
            if scan == 0 and line.startswith(BOM):
                line, at = line[len(BOM):], len(BOM)
            if line.strip(b"\r\n"):
                self._header = line
                self._search = at + 1
                return True
            scan = newline + 1

    def readinto(self, buffer: WriteableBuffer, index: int) -> int:
        if index != self.index:
            return 0
        while True:
            end = self._readable_end()
            if end > self._pos:
                with memoryview(buffer) as target, target.cast("B") as flat, memoryview(self._buf) as view:
                    count = min(flat.nbytes, end - self._pos)
                    flat[:count] = view[self._pos:self._pos + count]
                self._pos += count
                return count
            if self._end is not None:
                return 0
            self._fill()

    def next_object(self) -> bool:
        """Skip the rest of the current object; False if there is no next one."""
        while self._end is None:
            self._pos = max(self._pos, self._readable_end())
            if self._end is None:
                self._fill()
        start = self._end
        if start >= len(self._buf) and self._eof:
            return False
        self._pos = start
        self._search = start + (len(BOM) if self._buf[start:start + len(BOM)] == BOM else 0) + 1
        self._end = None
        self.index += 1
        return True

    def _readable_end(self) -> int:
        """How far the current object may be read with what is buffered; sets `_end` once it is known."""
        if self._end is not None:
            return self._end
        header = self._header
        if header is not None:
            hit = self._buf.find(header, self._search)
            if hit >= 0:
                bom = hit - len(BOM)
                self._end = bom if bom >= self._pos and self._buf[bom:hit] == BOM else hit
                return self._end
        if self._eof:
            self._end = self._last_header_only(header) if header is not None else len(self._buf)
            return self._end
        if header is None:
            return len(self._buf)
        hold = len(header) + len(BOM) - 1
        self._search = max(self._search, len(self._buf) - len(header) + 1)
        return max(self._pos, len(self._buf) - hold)

    def _last_header_only(self, header: bytes) -> int:
        """At EOF: where a last object that is only a header without its line ending starts, else the end."""
        bare = header.rstrip(b"\r\n")
        start = len(self._buf) - len(bare)
        if start < self._search or not self._buf.endswith(bare):
            return len(self._buf)
        bom = start - len(BOM)
        return bom if bom >= self._pos and self._buf[bom:start] == BOM else start

    def _fill(self) -> bool:
        if self._eof:
            return False
        if self._pos >= _COMPACT_AT:
            del self._buf[:self._pos]
            self._search = max(0, self._search - self._pos)
            if self._end is not None:
                self._end -= self._pos
            self._pos = 0
        data = self._read(self._chunk)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True


class _ObjectReader(io.RawIOBase):
    """One object of a `_Splitter` as a raw stream; empty once the splitter has moved past it."""

    def __init__(self, splitter: _Splitter) -> None:
        super().__init__()
        self._splitter = splitter
        self._index = splitter.index

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        return self._splitter.readinto(buffer, self._index)


def _appears(path: Path, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while not path.exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def _landing_name(uri: str, base: str) -> str:
    if base and uri.startswith(base) and len(uri) > len(base):
        return uri[len(base):]
    return PurePosixPath(uri).name or uri


def _pipe_max_size() -> int:
    with contextlib.suppress(OSError, ValueError):
        return int(PIPE_MAX_SIZE_FILE.read_text().strip())
    return CHUNK_SIZE


def _split_hint() -> str:
    return ("in Pipe mode objects are split where the first object's header line repeats, so every object must "
            "start with that same header line and none may be empty")


def _listing(folder: Path) -> str:
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return "nothing (the folder is missing)"
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "") if names else "nothing"
