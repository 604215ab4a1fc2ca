"""Volume staging's tar streams (launcher/local/archive.py), without an engine: what goes in, what comes out."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from launcher.local.archive import Entry, Fifo, Folder, InputObject, LocalFile, extract, tar_stream
from launcher.storage.client import LazyS3Client
from launcher.storage.errors import LocalFileError
from launcher.storage.listing import SourceObject
from launcher.storage.locations import parse_location


def local_object(path: Path, lands_at: str) -> SourceObject:
    return SourceObject(parse_location(str(path)), PurePosixPath(lands_at), path.stat().st_size)


def archive(members: list[tuple[str, bytes | None, bytes]], *, link: tuple[str, str] | None = None) -> bytes:
    """A tar as the engine sends one: (name, content or None for a folder, type)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content, kind in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mtime = 1_700_000_000
            if content is not None:
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def chunked(data: bytes, size: int = 7) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_what_goes_in_is_folders_files_objects_and_fifos_in_order_with_their_parents(tmp_path: Path) -> None:
    config = tmp_path / "resourceconfig.json"
    config.write_text('{"current_host": "algo-1"}')
    data = tmp_path / "part-0.csv"
    data.write_bytes(b"t,a\n" + b"1,2\n" * 1000)
    entries: list[Entry] = [
        LocalFile(PurePosixPath("config/resourceconfig.json"), config),
        Folder(PurePosixPath("processing/output/out")),
        InputObject(PurePosixPath("processing/input/data/sub/part-0.csv"), local_object(data, "sub/part-0.csv")),
        Fifo(PurePosixPath("processing/input/pipe/data_0")),
    ]

    stream = b"".join(tar_stream(entries, LazyS3Client()))

    with tarfile.open(fileobj=io.BytesIO(stream)) as tar:
        found = [(m.name, m.type, m.mode, m.size) for m in tar.getmembers()]
        assert tar.extractfile("processing/input/data/sub/part-0.csv").read() == data.read_bytes()  # type: ignore[union-attr]
    assert found == [
        ("config", tarfile.DIRTYPE, 0o755, 0),
        ("config/resourceconfig.json", tarfile.REGTYPE, 0o644, len(config.read_bytes())),
        ("processing", tarfile.DIRTYPE, 0o755, 0),
        ("processing/output", tarfile.DIRTYPE, 0o755, 0),
        ("processing/output/out", tarfile.DIRTYPE, 0o755, 0),
        ("processing/input", tarfile.DIRTYPE, 0o755, 0),
        ("processing/input/data", tarfile.DIRTYPE, 0o755, 0),
        ("processing/input/data/sub", tarfile.DIRTYPE, 0o755, 0),
        ("processing/input/data/sub/part-0.csv", tarfile.REGTYPE, 0o644, 4004),
        ("processing/input/pipe", tarfile.DIRTYPE, 0o755, 0),
        ("processing/input/pipe/data_0", tarfile.FIFOTYPE, 0o644, 0),
    ]


def test_an_object_that_ends_before_its_size_fails_naming_it(tmp_path: Path) -> None:
    data = tmp_path / "part-0.csv"
    data.write_bytes(b"x" * 100)
    obj = SourceObject(parse_location(str(data)), PurePosixPath("part-0.csv"), 100)
    chunks = tar_stream([InputObject(PurePosixPath("in/part-0.csv"), obj)], LazyS3Client())
    with pytest.raises(LocalFileError, match=r"part-0\.csv.*it ended after 10 of its 100 bytes"):
        for chunk in chunks:
            if b"part-0.csv" in chunk:  # its header is out, with the size it had when opened; now the file shrinks
                os.truncate(data, 10)


def test_what_comes_out_is_folders_and_regular_files_only(tmp_path: Path) -> None:
    stream = archive([("out", None, tarfile.DIRTYPE), ("out/a.txt", b"a\n", tarfile.REGTYPE),
                      ("out/sub", None, tarfile.DIRTYPE), ("out/sub/b.txt", b"bb\n", tarfile.REGTYPE),
                      ("out/link", None, tarfile.SYMTYPE), ("out/pipe", None, tarfile.FIFOTYPE),
                      ("out/../escape.txt", b"no\n", tarfile.REGTYPE)])

    extract(chunked(stream), tmp_path / "mirror")

    found = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert found == {"mirror/a.txt": b"a\n", "mirror/sub/b.txt": b"bb\n"}
    assert not (tmp_path / "mirror/link").exists() and not (tmp_path / "mirror/pipe").exists()
    assert (tmp_path / "mirror/a.txt").stat().st_mtime == 1_700_000_000, "the volume's mtime, for the uploader"


def test_a_hard_link_comes_out_as_a_copy(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("out/a.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"aaa"))
        linked = tarfile.TarInfo("out/b.txt")
        linked.type, linked.linkname = tarfile.LNKTYPE, "out/a.txt"
        tar.addfile(linked)

    extract(chunked(buffer.getvalue()), tmp_path / "mirror")

    assert (tmp_path / "mirror/b.txt").read_bytes() == b"aaa"


def test_only_changed_leaves_files_of_the_same_size_and_mtime_alone(tmp_path: Path) -> None:
    stream = archive([("out", None, tarfile.DIRTYPE), ("out/a.txt", b"a\n", tarfile.REGTYPE)])
    extract(chunked(stream), tmp_path / "mirror")
    before = (tmp_path / "mirror/a.txt").stat().st_ino

    extract(chunked(stream), tmp_path / "mirror", only_changed=True)
    assert (tmp_path / "mirror/a.txt").stat().st_ino == before, "rewritten though unchanged"

    grown = archive([("out", None, tarfile.DIRTYPE), ("out/a.txt", b"a\nb\n", tarfile.REGTYPE)])
    extract(chunked(grown), tmp_path / "mirror", only_changed=True)
    assert (tmp_path / "mirror/a.txt").read_bytes() == b"a\nb\n"


def test_a_cut_stream_leaves_whole_files_and_no_partial_one(tmp_path: Path) -> None:
    stream = archive([("out", None, tarfile.DIRTYPE), ("out/a.txt", b"a" * 600, tarfile.REGTYPE),
                      ("out/b.txt", b"b" * 5000, tarfile.REGTYPE)])
    cut = stream[: stream.index(b"b" * 512) + 1000]  # in the middle of b.txt

    with pytest.raises((tarfile.TarError, EOFError)):
        extract(chunked(cut, 100), tmp_path / "mirror")

    assert sorted(p.name for p in (tmp_path / "mirror").iterdir()) == ["a.txt"]
