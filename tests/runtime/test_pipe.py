"""byoc_runtime.pipe against real FIFOs fed by a writer thread, as SageMaker (or the kit's feeder) feeds them."""

from __future__ import annotations

import codecs
import csv
import io
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow.csv as pacsv
import pytest

from byoc_runtime import (
    InputError,
    JobContext,
    epochs,
    fifo_path,
    input_mode,
    iter_objects,
    load_context,
    manifest_path,
    open_channel,
    read_manifest,
    split_objects,
)
from byoc_runtime.pipe import PIPE_SIZE_CAP, PipeReader, raise_pipe_size
from tests.mltree import MlTree, job_config

CHANNEL = "ecg"
LOCAL = "/opt/ml/processing/input/ecg"
PREFIX = "s3://bkt/ecg/"
PIPE_MAX = min(int(Path("/proc/sys/fs/pipe-max-size").read_text()), PIPE_SIZE_CAP)


@dataclass
class Writer:
    """A writer thread on one FIFO: writes `chunks` (pausing between them if asked), like the feeder."""

    path: Path
    chunks: list[bytes]
    pause: float = 0.0
    next_fifo: Path | None = None  # made before closing, as the feeder does for the next epoch
    written: int = 0
    broken: bool = False
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with open(self.path, "wb", buffering=0) as sink:
            try:
                for chunk in self.chunks:
                    view = memoryview(chunk)
                    while view:
                        view = view[sink.write(view):]
                    self.written += len(chunk)
                    if self.pause:
                        time.sleep(self.pause)
            except BrokenPipeError:
                self.broken = True
            if self.next_fifo is not None:
                os.mkfifo(self.next_fifo)

    def join(self) -> None:
        self.thread.join(10)
        assert not self.thread.is_alive(), "the writer is stuck"


def pipe_context(tree: MlTree, uris: list[str] | None = None, first_line: str = PREFIX, *, fifos: int = 1,
                 mode: str = "Pipe") -> JobContext:
    tree.write_config(job_config(inputs={CHANNEL: LOCAL}, input_mode=mode))
    ctx = load_context({"BYOC_ML_ROOT": str(tree.root)})
    if mode == "Pipe":
        manifest_path(ctx, CHANNEL).write_text("".join(f"{line}\n" for line in [first_line, *(uris or [])]))
        for epoch in range(fifos):
            os.mkfifo(fifo_path(ctx, CHANNEL, epoch))
    return ctx


def pieces(data: bytes, rng: random.Random, largest: int = 40) -> list[bytes]:
    """`data` cut at random places, so lines, records and headers straddle the writes."""
    cuts, at = [], 0
    while at < len(data):
        step = rng.randint(1, largest)
        cuts.append(data[at:at + step])
        at += step
    return cuts


def ecg_object(seed: int, rows: int = 50, *, header: str = "time,lead_1,lead_2", newline: str = "\n",
               final_newline: bool = True) -> bytes:
    rng = random.Random(seed)
    lines = [header] + [f"{i * 0.004:.3f},{rng.gauss(0, 1):.5f},{rng.gauss(0, 1):.5f}" for i in range(rows)]
    text = newline.join(lines) + (newline if final_newline else "")
    return text.encode()


def read_all(stream: BinaryIO, size: int = 7) -> bytes:
    out = bytearray()
    while chunk := stream.read(size):
        out += chunk
    return bytes(out)


# --- the raw stream -------------------------------------------------------------------------------


def test_the_channel_stream_is_every_object_back_to_back_with_a_raised_pipe_buffer(tree: MlTree) -> None:
    objects = [ecg_object(i) for i in range(3)]
    ctx = pipe_context(tree, [f"{PREFIX}{i}.csv" for i in range(3)])
    assert input_mode(ctx, CHANNEL) == "Pipe"
    writer = Writer(fifo_path(ctx, CHANNEL), [*objects])

    with open_channel(ctx, CHANNEL) as stream:
        assert isinstance(stream, io.BufferedReader) and isinstance(stream.raw, PipeReader)
        assert stream.raw.pipe_size == PIPE_MAX
        data = stream.read()

    writer.join()
    assert data == b"".join(objects)


def test_lines_arrive_whole_across_every_write_boundary(tree: MlTree) -> None:
    text = b"".join(ecg_object(i, rows=300) for i in range(4))
    ctx = pipe_context(tree, ["x"])
    writer = Writer(fifo_path(ctx, CHANNEL), pieces(text, random.Random(1), largest=97))

    with open_channel(ctx, CHANNEL) as stream:
        lines = list(stream)

    writer.join()
    assert lines == text.splitlines(keepends=True)


def test_csv_records_with_quoted_newlines_survive_write_boundaries(tree: MlTree) -> None:
    rows = [["id", "note"]] + [[str(i), f"line one of {i}\nline two, with a comma"] for i in range(500)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    ctx = pipe_context(tree, ["x"])
    writer = Writer(fifo_path(ctx, CHANNEL), pieces(buffer.getvalue().encode(), random.Random(2)))

    with open_channel(ctx, CHANNEL) as stream, io.TextIOWrapper(stream, encoding="utf-8", newline="") as text:
        parsed = list(csv.reader(text))

    writer.join()
    assert parsed == rows


def test_a_reader_that_closes_early_breaks_the_writers_pipe_instead_of_hanging_it(tree: MlTree) -> None:
    ctx = pipe_context(tree, ["x"])
    writer = Writer(fifo_path(ctx, CHANNEL), [b"a,b\n" + b"1,2\n" * 100_000] * 40)  # 16 MB, far past the buffer

    with open_channel(ctx, CHANNEL) as stream:
        assert stream.readline() == b"a,b\n"

    writer.join()
    assert writer.broken and writer.written < 16_000_000


def test_an_empty_stream_reads_eof_at_once(tree: MlTree) -> None:
    ctx = pipe_context(tree, [])
    writer = Writer(fifo_path(ctx, CHANNEL), [])

    with open_channel(ctx, CHANNEL) as stream:
        assert stream.read() == b""

    writer.join()


def test_an_empty_shard_has_no_objects(tree: MlTree) -> None:
    ctx = pipe_context(tree, [])
    writer = Writer(fifo_path(ctx, CHANNEL), [])

    assert list(iter_objects(ctx, CHANNEL)) == []
    writer.join()


def test_the_pipe_buffer_grows_to_the_systems_maximum_and_never_shrinks() -> None:
    read_end, write_end = os.pipe()
    try:
        assert raise_pipe_size(write_end) == PIPE_MAX
        assert raise_pipe_size(read_end, 4096) == PIPE_MAX  # asked for less: kept
        assert raise_pipe_size(read_end, 1 << 40) == PIPE_MAX  # asked for more than allowed: the maximum
    finally:
        os.close(read_end)
        os.close(write_end)
    with open(os.devnull, "rb") as not_a_pipe:
        assert raise_pipe_size(not_a_pipe.fileno()) == 0


def test_a_missing_fifo_is_an_input_error_that_lists_the_folder(tree: MlTree) -> None:
    ctx = pipe_context(tree, ["x"], fifos=0)
    (ctx.input_dir(CHANNEL) / "other.csv").write_text("a\n")

    with pytest.raises(InputError) as caught:
        open_channel(ctx, CHANNEL)

    assert str(caught.value) == ("channel 'ecg': no Pipe-mode FIFO ecg_0 (is S3InputMode Pipe? the folder holds: "
                                 "ecg-manifest, other.csv)")


def test_a_regular_file_where_the_fifo_belongs_is_an_input_error(tree: MlTree) -> None:
    ctx = pipe_context(tree, ["x"], fifos=0)
    fifo_path(ctx, CHANNEL).write_text("not a fifo")

    with pytest.raises(InputError, match=r"^channel 'ecg': ecg_0 is not a FIFO \(is S3InputMode Pipe\?\)$"):
        open_channel(ctx, CHANNEL)


# --- the manifest and the objects ----------------------------------------------------------------


def test_the_manifest_names_objects_as_file_mode_lands_them(tree: MlTree) -> None:
    ctx = pipe_context(tree, [f"{PREFIX}a.csv", f"{PREFIX}sub/b.csv", "s3://other/c.csv"])

    manifest = read_manifest(ctx, CHANNEL)

    assert manifest.first_line == PREFIX
    assert [(o.index, o.name, o.basename) for o in manifest.objects()] == [
        (0, "a.csv", "a.csv"), (1, "sub/b.csv", "b.csv"), (2, "c.csv", "c.csv")]


def test_a_first_line_without_a_final_slash_is_used_up_to_its_last_one(tree: MlTree) -> None:
    # As File mode lands an S3Prefix: s3://b/data/train + data/train-1.csv -> train-1.csv.
    ctx = pipe_context(tree, ["s3://b/data/train-1.csv", "s3://b/data/train/x.csv"], first_line="s3://b/data/train")

    assert [o.name for o in read_manifest(ctx, CHANNEL).objects()] == ["train-1.csv", "train/x.csv"]


def test_a_missing_manifest_is_an_input_error(tree: MlTree) -> None:
    ctx = pipe_context(tree, [])
    manifest_path(ctx, CHANNEL).unlink()

    with pytest.raises(InputError) as caught:
        read_manifest(ctx, CHANNEL)

    assert str(caught.value) == ("channel 'ecg': no Pipe-mode manifest ecg-manifest in the channel's folder "
                                 "(is S3InputMode Pipe?)")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_objects_are_split_where_the_header_repeats_whatever_the_write_boundaries(tree: MlTree, newline: str) -> None:
    objects = [ecg_object(0, newline=newline),
               ecg_object(1, newline=newline, final_newline=False),  # its last row and the next header share a line
               codecs.BOM_UTF8 + ecg_object(2, newline=newline),      # a BOM moves with its header
               ecg_object(3, rows=0, newline=newline),                # a header and nothing else
               ecg_object(4, rows=2000, newline=newline)]
    uris = [f"{PREFIX}part-{i}.csv" for i in range(len(objects))]
    ctx = pipe_context(tree, uris)
    writer = Writer(fifo_path(ctx, CHANNEL), pieces(b"".join(objects), random.Random(3), largest=300))

    seen = [(obj.uri, obj.name, read_all(stream)) for obj, stream in iter_objects(ctx, CHANNEL)]

    writer.join()
    assert seen == [(uri, uri.removeprefix(PREFIX), data) for uri, data in zip(uris, objects, strict=True)]


def test_pandas_and_pyarrow_read_each_object_as_they_read_the_file(tree: MlTree) -> None:
    objects = [ecg_object(i, rows=3000) for i in range(3)]
    ctx = pipe_context(tree, [f"{PREFIX}{i}.csv" for i in range(3)])
    writer = Writer(fifo_path(ctx, CHANNEL), [b"".join(objects)])

    for (obj, stream), data in zip(iter_objects(ctx, CHANNEL), objects, strict=True):
        expected = pd.read_csv(io.BytesIO(data))
        if obj.index % 2:
            pd.testing.assert_frame_equal(pd.read_csv(stream), expected)
        else:
            pd.testing.assert_frame_equal(pacsv.read_csv(stream).to_pandas(), expected)
    writer.join()


def test_an_object_left_unread_is_skipped(tree: MlTree) -> None:
    objects = [ecg_object(i, rows=20_000) for i in range(3)]
    ctx = pipe_context(tree, [f"{PREFIX}{i}.csv" for i in range(3)])
    writer = Writer(fifo_path(ctx, CHANNEL), objects)

    got = {}
    for obj, stream in iter_objects(ctx, CHANNEL):
        got[obj.name] = stream.readline() if obj.index == 0 else (None if obj.index == 1 else stream.read())

    writer.join()
    assert got == {"0.csv": b"time,lead_1,lead_2\n", "1.csv": None, "2.csv": objects[2]}


def test_more_objects_in_the_stream_than_in_the_manifest_is_an_input_error(tree: MlTree) -> None:
    ctx = pipe_context(tree, [f"{PREFIX}only.csv"])
    writer = Writer(fifo_path(ctx, CHANNEL), [ecg_object(0), ecg_object(1)])

    with pytest.raises(InputError) as caught:
        for _obj, stream in iter_objects(ctx, CHANNEL):
            stream.read()

    writer.join()
    assert str(caught.value).startswith("channel 'ecg': the stream holds more objects than the 1 its manifest lists: "
                                        "in Pipe mode objects are split where the first object's header line repeats")


def test_an_object_with_another_header_shows_as_a_missing_object(tree: MlTree) -> None:
    ctx = pipe_context(tree, [f"{PREFIX}a.csv", f"{PREFIX}b.csv"])
    writer = Writer(fifo_path(ctx, CHANNEL), [ecg_object(0), ecg_object(1, header="time,lead_1,lead_2,lead_3")])

    with pytest.raises(InputError) as caught:
        for _obj, stream in iter_objects(ctx, CHANNEL):
            stream.read()

    writer.join()
    assert str(caught.value).startswith("channel 'ecg': the stream holds 1 object(s) but the manifest lists 2; "
                                        "the first one not found is s3://bkt/ecg/b.csv: in Pipe mode")


def test_split_objects_fuzz() -> None:
    """Random objects (CRLF, BOMs, no final newline, leading blank lines, header only) cut at random chunk
    sizes and read in random sizes, some skipped unread."""
    rng = random.Random(7)
    for _ in range(500):
        newline = rng.choice(["\n", "\r\n"])
        header = rng.choice(["t,a,b", "time,lead_1", "x"])
        objects = []
        count = rng.randint(1, 5)
        for i in range(count):
            # Without a final line ending: not the first object (its header line is what the split looks for),
            # and not a header-only one before another object (`t,a,bt,a,b` is ambiguous; see the limits).
            rows = rng.randint(0, 6)
            open_end = i > 0 and (rows > 0 or i == count - 1) and rng.random() < 0.3
            data = ecg_object(rng.randint(0, 1000), rows=rows, header=header, newline=newline,
                              final_newline=not open_end)
            if i == 0 and rng.random() < 0.2:
                data = newline.encode() * 2 + data
            objects.append(codecs.BOM_UTF8 + data if rng.random() < 0.2 else data)
        chunk = rng.randint(1, 40)
        seen = [None if rng.random() < 0.2 else read_all(part, rng.randint(1, 9))
                for part in split_objects(io.BufferedReader(io.BytesIO(b"".join(objects))), chunk_size=chunk)]
        assert len(seen) == len(objects), (objects, chunk)
        assert all(got in (None, data) for got, data in zip(seen, objects, strict=True)), (objects, chunk)


# --- epochs ---------------------------------------------------------------------------------------


def test_epochs_follow_the_feeders_protocol_and_stop_when_no_next_fifo_appears(tree: MlTree) -> None:
    ctx = pipe_context(tree, ["x"])
    data = [ecg_object(i) for i in range(3)]

    def feed() -> None:  # each epoch once the previous one is written, its successor made before the close
        for epoch, chunk in enumerate(data):
            last = epoch == len(data) - 1
            Writer(fifo_path(ctx, CHANNEL, epoch), [chunk],
                   next_fifo=None if last else fifo_path(ctx, CHANNEL, epoch + 1)).join()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    started = time.monotonic()
    got = [stream.read() for stream in epochs(ctx, CHANNEL)]

    feeder.join(10)
    assert got == data
    assert time.monotonic() - started < 3, "EOF on the last epoch must end the loop without waiting"


def test_epochs_wait_for_the_next_fifo_after_an_early_close(tree: MlTree) -> None:
    ctx = pipe_context(tree, ["x"])
    first = Writer(fifo_path(ctx, CHANNEL, 0), [b"h\n" + b"1\n" * 2_000_000])

    def late_second_epoch() -> None:
        first.join()  # the writer learns of the early close from EPIPE, then offers the next epoch
        time.sleep(0.3)
        os.mkfifo(fifo_path(ctx, CHANNEL, 1))
        Writer(fifo_path(ctx, CHANNEL, 1), [b"h\n2\n"]).join()

    helper = threading.Thread(target=late_second_epoch, daemon=True)
    helper.start()
    got = []
    for stream in epochs(ctx, CHANNEL, max_epochs=2, next_epoch_wait=5):
        got.append(stream.readline() + stream.readline())

    helper.join(10)
    assert got == [b"h\n1\n", b"h\n2\n"]
    assert first.broken


# --- File mode through the same functions ---------------------------------------------------------


def test_file_mode_reads_through_the_same_functions(tree: MlTree) -> None:
    ctx = pipe_context(tree, mode="File")
    folder = ctx.input_dir(CHANNEL)
    objects = {"b.csv": ecg_object(1), "a.csv": ecg_object(0), "sub/c.csv": ecg_object(2)}
    for name, data in objects.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    assert input_mode(ctx, CHANNEL) == "File"
    with open_channel(ctx, CHANNEL) as stream:
        assert stream.read() == objects["a.csv"] + objects["b.csv"] + objects["sub/c.csv"]
    seen = [(obj.name, obj.uri, stream.seekable(), stream.read()) for obj, stream in iter_objects(ctx, CHANNEL)]
    assert seen == [(name, f"{LOCAL}/{name}", True, objects[name]) for name in ("a.csv", "b.csv", "sub/c.csv")]
    total = len(b"".join(objects.values()))
    assert [len(stream.read()) for stream in epochs(ctx, CHANNEL, max_epochs=2)] == [total, total]
