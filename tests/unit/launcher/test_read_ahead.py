"""The Pipe feeder's read-ahead: several objects fetched at once, their bytes still in order, a fault in its place."""

from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath

import pytest

from launcher.local.feeder import FeedError, PipeChannel, object_chunks
from launcher.local.read_ahead import read_ahead
from launcher.storage.client import LazyS3Client
from launcher.storage.listing import SourceObject
from launcher.storage.locations import LocalLocation
from launcher.storage.transfer import open_stream


def objects(folder: Path, sizes: list[int]) -> list[SourceObject]:
    found = []
    for i, size in enumerate(sizes):
        path = folder / f"part-{i:02d}"
        path.write_bytes(bytes([i]) * size)
        found.append(SourceObject(LocalLocation(path), PurePosixPath(path.name), size))
    return found


def channel(folder: Path, items: list[SourceObject]) -> PipeChannel:
    return PipeChannel("algo-1", "data", folder, f"file://{folder}/", tuple(items), gzip=False)


def reader(pipe: PipeChannel, chunk: int = 1000):
    s3 = LazyS3Client(None, "us-east-1")
    return lambda obj: object_chunks(pipe, obj, lambda item: open_stream(item, s3), chunk)


@pytest.mark.parametrize("depth", [1, 3, 8])
def test_every_byte_in_key_order_whatever_the_depth(tmp_path: Path, depth: int) -> None:
    items = objects(tmp_path, [5000, 1, 0, 20_000, 3333, 7000, 10])
    pipe = channel(tmp_path, items)
    got = b"".join(read_ahead(items, reader(pipe), depth, threading.Event()))
    assert got == b"".join(p.location.path.read_bytes() for p in items)  # type: ignore[union-attr]


def test_a_fault_comes_after_every_byte_before_it(tmp_path: Path) -> None:
    items = objects(tmp_path, [3000, 3000, 3000])
    items[1].location.path.unlink()  # type: ignore[union-attr]
    pipe = channel(tmp_path, items)
    got = bytearray()
    with pytest.raises(FeedError, match="part-01"):
        for chunk in read_ahead(items, reader(pipe), 3, threading.Event()):
            got += chunk
    assert bytes(got) == bytes([0]) * 3000


def test_a_stop_ends_it_mid_object(tmp_path: Path) -> None:
    items = objects(tmp_path, [100_000] * 4)
    pipe = channel(tmp_path, items)
    stopping = threading.Event()
    chunks = read_ahead(items, reader(pipe, 1000), 4, stopping)
    first = next(chunks)
    assert first == bytes([0]) * 1000
    threading.Event().wait(0.5)  # the readers fill their queues (QUEUED_CHUNKS each) and wait for room
    stopping.set()
    assert list(chunks) == []  # nothing more, though most of every object is still unread
