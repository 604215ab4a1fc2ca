"""The local backend's Pipe feeder on its own: FIFOs and manifests in host folders, read by byoc_runtime.pipe
on this machine (no container), from local files and from S3 (moto)."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from byoc_runtime.pipe import open_fifo, split_objects
from launcher.definition import ProcessingInput
from launcher.local.feeder import FeedError, PipeChannel, PipeFeeder, pipe_channels
from launcher.local.pipe_spool import PipeSpool
from launcher.local.staging import plan_input
from launcher.local.workspace import JobWorkspace, host_names
from launcher.storage.client import LazyS3Client
from launcher.storage.listing import SourceObject
from launcher.storage.locations import LocalLocation, S3Location
from tests.launcher.test_pipe_local import nothing_left_behind  # noqa: F401 - overrides conftest's: only our jobs

DESTINATION = "/opt/ml/processing/input/data"


def csv_object(i: int, rows: int = 100) -> bytes:
    return ("t,a\n" + "".join(f"{i}.{j},{j * i}\n" for j in range(rows))).encode()


def local_input(folder: Path, objects: dict[str, bytes], **fields: Any) -> ProcessingInput:
    for name, data in objects.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return ProcessingInput(str(folder), DESTINATION, "data", s3_input_mode="Pipe", **fields)


def feeder_for(tmp_path: Path, item: ProcessingInput, hosts: int = 1, *, s3: Any = None,
               epochs: int = 1) -> PipeFeeder:
    names = host_names(hosts)
    provider = s3 or LazyS3Client()
    assert item.input_name is not None
    plans = {item.input_name: dict(zip(names, plan_input(item, names, provider), strict=True))}
    workspace = JobWorkspace(tmp_path / "job")
    workspace.folder.mkdir(parents=True, exist_ok=True)
    return PipeFeeder(pipe_channels((item,), plans, workspace), provider, epochs=epochs, stop_timeout=5,
                      spool=workspace.folder)


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[list[PipeFeeder]]:
    """Feeders a test starts; each is stopped at the end, and must not leave a writer thread behind."""
    started: list[PipeFeeder] = []
    yield started
    for feeder in started:
        feeder.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("pipe-feeder-")], "a writer is still running"


def start(feeder: PipeFeeder, running: list[PipeFeeder]) -> PipeFeeder:
    feeder.prepare()
    feeder.start()
    running.append(feeder)
    return feeder


def channel(feeder: PipeFeeder, host: str = "algo-1") -> PipeChannel:
    return next(c for c in feeder.channels if c.host == host)


def read(path: Path) -> bytes:
    with open_fifo(path) as stream:
        return stream.read()


def test_objects_stream_in_key_order_and_the_manifest_names_them(tmp_path: Path, running: list[PipeFeeder]) -> None:
    objects = {"b.csv": csv_object(2), "a.csv": csv_object(1), "sub/c.csv": csv_object(3)}
    source = tmp_path / "data"
    feeder = start(feeder_for(tmp_path, local_input(source, objects)), running)
    pipe = channel(feeder)

    assert pipe.manifest.read_text() == (f"{source}/\n{source}/a.csv\n{source}/b.csv\n{source}/sub/c.csv\n")
    assert pipe.fifo(0).is_fifo() and pipe.fifo(0).stat().st_mode & 0o777 == 0o644
    assert read(pipe.fifo(0)) == objects["a.csv"] + objects["b.csv"] + objects["sub/c.csv"]
    assert feeder.error is None


def test_sharded_inputs_stream_each_host_its_shard_and_an_empty_shard_reads_eof_at_once(
        tmp_path: Path, running: list[PipeFeeder]) -> None:
    objects = {f"part-{i}.csv": csv_object(i) for i in range(2)}
    source = tmp_path / "data"
    feeder = start(feeder_for(tmp_path, local_input(source, objects, s3_data_distribution_type="ShardedByS3Key"),
                              hosts=3), running)

    got = {pipe.host: (pipe.manifest.read_text().splitlines(), read(pipe.fifo(0))) for pipe in feeder.channels}

    assert got == {
        "algo-1": ([f"{source}/", f"{source}/part-0.csv"], objects["part-0.csv"]),
        "algo-2": ([f"{source}/", f"{source}/part-1.csv"], objects["part-1.csv"]),
        "algo-3": ([f"{source}/"], b""),
    }


def test_gzip_objects_are_gunzipped_member_after_member(tmp_path: Path, running: list[PipeFeeder]) -> None:
    plain = [csv_object(1), csv_object(2, rows=200_000), csv_object(3)]
    objects = {
        "a.csv.gz": gzip.compress(plain[0]),
        "b.csv.gz": gzip.compress(plain[1], compresslevel=9),  # 2 MB from ~300 KB: inflated in bounded pieces
        "c.csv.gz": gzip.compress(plain[2][:50]) + gzip.compress(plain[2][50:]),  # two members, as `cat a.gz b.gz`
        "d.csv.gz": b"",  # nothing at all: nothing to stream
    }
    feeder = start(feeder_for(tmp_path, local_input(tmp_path / "data", objects, s3_compression_type="Gzip")),
                   running)

    with open_fifo(channel(feeder).fifo(0)) as stream:
        parts = [part.read() for part in split_objects(stream)]

    assert parts == plain
    assert feeder.error is None


@pytest.mark.parametrize(("data", "problem"), [
    (b"t,a\n1,2\n", "is not a valid gzip stream (Error -3 while decompressing data: incorrect header check)"),
    (gzip.compress(b"t,a\n1,2\n" * 1000)[:-20], "is not a valid gzip stream: it is truncated (the last member "
                                                "does not end)"),
    (gzip.compress(b"t,a\n1,2\n") + b"\x00" * 8, "is not a valid gzip stream: 8 bytes of trailing garbage after a "
                                                 "gzip member"),
], ids=["not-gzip", "truncated", "trailing-garbage"])
def test_a_corrupt_gzip_object_is_a_fault_that_names_it_and_keeps_the_reader_waiting(
        tmp_path: Path, running: list[PipeFeeder], data: bytes, problem: str) -> None:
    objects = {"a.csv.gz": gzip.compress(csv_object(1)), "b.csv.gz": data}
    feeder = start(feeder_for(tmp_path, local_input(tmp_path / "data", objects, s3_compression_type="Gzip")),
                   running)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(read(channel(feeder).fifo(0))), daemon=True)
    reader.start()

    wait_for(lambda: feeder.failed)
    time.sleep(0.3)
    assert reader.is_alive(), "the reader must not see a clean end of the data"
    feeder.stop()
    reader.join(5)

    assert str(feeder.error) == f"Pipe input 'data' on algo-1: {tmp_path}/data/b.csv.gz {problem}"
    assert feeder.error is not None and feeder.error.failure_reason == f"ClientError: Failed to stream data. " \
        f"Pipe input 'data' on algo-1: {tmp_path}/data/b.csv.gz {problem}"
    assert got and got[0].startswith(csv_object(1))


def test_a_file_deleted_after_planning_is_a_fault_that_names_it(tmp_path: Path, running: list[PipeFeeder]) -> None:
    source = tmp_path / "data"
    feeder = start(feeder_for(tmp_path, local_input(source, {"a.csv": csv_object(1), "b.csv": csv_object(2)})),
                   running)
    (source / "b.csv").unlink()
    reader = threading.Thread(target=lambda: read(channel(feeder).fifo(0)), daemon=True)
    reader.start()

    wait_for(lambda: feeder.failed)
    feeder.stop()
    reader.join(5)

    assert str(feeder.error) == f"Pipe input 'data' on algo-1: opening {source}/b.csv failed: No such file or directory"


def test_a_reader_that_never_comes_does_not_keep_stop_waiting(tmp_path: Path, running: list[PipeFeeder]) -> None:
    feeder = start(feeder_for(tmp_path, local_input(tmp_path / "data", {"a.csv": csv_object(1)})), running)
    time.sleep(0.2)

    started = time.monotonic()
    feeder.stop()

    assert time.monotonic() - started < 1
    assert feeder.error is None
    assert not channel(feeder).fifo(0).exists(), "FIFOs are removed at the end; the manifest stays"
    assert channel(feeder).manifest.exists()


def test_a_reader_that_closes_early_ends_the_epoch_without_a_fault(tmp_path: Path, running: list[PipeFeeder]) -> None:
    big = {f"{i}.csv": csv_object(i, rows=200_000) for i in range(4)}  # ~20 MB: far more than the pipe holds
    feeder = start(feeder_for(tmp_path, local_input(tmp_path / "data", big), epochs=2), running)
    pipe = channel(feeder)

    with open_fifo(pipe.fifo(0)) as stream:
        assert stream.readline() == b"t,a\n"
    wait_for(pipe.fifo(1).exists)  # EPIPE ends epoch 0; epoch 1 is offered
    second = read(pipe.fifo(1))

    assert second == b"".join(big[name] for name in sorted(big))
    assert feeder.error is None


def test_the_next_epoch_exists_as_soon_as_the_previous_one_reads_eof(tmp_path: Path,
                                                                    running: list[PipeFeeder]) -> None:
    objects = {"a.csv": csv_object(1), "b.csv": csv_object(2)}
    feeder = start(feeder_for(tmp_path, local_input(tmp_path / "data", objects), epochs=3), running)
    pipe = channel(feeder)

    passes = []
    for epoch in range(4):
        if not pipe.fifo(epoch).exists():  # checked right after EOF: no waiting, no race
            break
        passes.append(read(pipe.fifo(epoch)))

    assert passes == [objects["a.csv"] + objects["b.csv"]] * 3


def test_a_key_with_a_line_break_cannot_be_in_the_manifest(tmp_path: Path) -> None:
    item = local_input(tmp_path / "data", {"a\nb.csv": csv_object(1)})
    feeder = feeder_for(tmp_path, item)

    with pytest.raises(FeedError) as caught:
        feeder.prepare()

    assert str(caught.value) == (f"Pipe input 'data' on algo-1: '{tmp_path}/data/a\\nb.csv': the key contains a line "
                                 "break, which the Pipe manifest (one URI per line) cannot hold; rename the object or "
                                 "use File mode")


def test_s3_objects_stream_from_the_bucket_sharded(tmp_path: Path, running: list[PipeFeeder], s3_endpoint: str,
                                                  s3_admin: Any) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    objects = {f"ecg/part-{i}.csv": csv_object(i) for i in range(3)}
    for key, data in objects.items():
        s3_admin.put_object(Bucket="bkt", Key=key, Body=data)
    item = ProcessingInput("s3://bkt/ecg/part", DESTINATION, "data", s3_input_mode="Pipe",
                           s3_data_distribution_type="ShardedByS3Key")
    feeder = start(feeder_for(tmp_path, item, hosts=2, s3=LazyS3Client(s3_endpoint)), running)

    got = {pipe.host: (pipe.manifest.read_text().splitlines(), read(pipe.fifo(0))) for pipe in feeder.channels}

    assert got == {
        "algo-1": (["s3://bkt/ecg/", "s3://bkt/ecg/part-0.csv", "s3://bkt/ecg/part-2.csv"],
                   objects["ecg/part-0.csv"] + objects["ecg/part-2.csv"]),
        "algo-2": (["s3://bkt/ecg/", "s3://bkt/ecg/part-1.csv"], objects["ecg/part-1.csv"]),
    }


def counted_gets(s3: LazyS3Client) -> list[str]:
    """The key of every GetObject the client sends from now on (botocore's own event hook)."""
    keys: list[str] = []
    client: Any = s3()  # a botocore client; the kit's S3Client protocol names only the calls it makes
    client.meta.events.register("provide-client-params.s3.GetObject", lambda params, **_: keys.append(params["Key"]))
    return keys


def test_an_object_every_host_reads_in_every_epoch_is_fetched_once(
        tmp_path: Path, running: list[PipeFeeder], s3_endpoint: str, s3_admin: Any) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    objects = {f"ecg/part-{i}.csv": csv_object(i, rows=20_000) for i in range(3)}  # ~250 KB each
    for key, data in objects.items():
        s3_admin.put_object(Bucket="bkt", Key=key, Body=data)
    s3 = LazyS3Client(s3_endpoint)
    gets = counted_gets(s3)
    item = ProcessingInput("s3://bkt/ecg/", DESTINATION, "data", s3_input_mode="Pipe")  # FullyReplicated
    feeder = start(feeder_for(tmp_path, item, hosts=3, s3=s3, epochs=2), running)
    got: dict[str, list[bytes]] = {}

    def read_epochs(pipe: PipeChannel) -> None:
        got[pipe.host] = [read(pipe.fifo(epoch)) for epoch in range(2)]

    readers = [threading.Thread(target=read_epochs, args=(pipe,)) for pipe in feeder.channels]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(30)

    whole = b"".join(objects[key] for key in sorted(objects))
    assert got == {host: [whole, whole] for host in ("algo-1", "algo-2", "algo-3")}
    assert sorted(gets) == sorted(objects)  # 3 GETs, not 3 hosts x 2 epochs x 3
    wait_for(lambda: not spool_files(tmp_path / "job"))  # each file goes with its last read
    feeder.stop()
    assert not feeder.failed


def test_a_host_that_stops_reading_a_shared_object_early_leaves_the_others_theirs(
        tmp_path: Path, running: list[PipeFeeder], s3_endpoint: str, s3_admin: Any) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    big = csv_object(1, rows=400_000)  # ~5 MB: more than the pipe holds, so the early reader cuts it short
    s3_admin.put_object(Bucket="bkt", Key="ecg/big.csv", Body=big)
    item = ProcessingInput("s3://bkt/ecg/", DESTINATION, "data", s3_input_mode="Pipe")
    feeder = start(feeder_for(tmp_path, item, hosts=2, s3=LazyS3Client(s3_endpoint)), running)
    with open_fifo(channel(feeder, "algo-1").fifo(0)) as early:
        head = early.read(10)

    assert head == big[:10]
    assert read(channel(feeder, "algo-2").fifo(0)) == big
    wait_for(lambda: not spool_files(tmp_path / "job"))
    assert not feeder.failed


@pytest.mark.parametrize("hosts", [1, 2])  # 2: every host reads it, through the spool
def test_an_s3_object_deleted_after_planning_is_a_fault_that_names_it(
        tmp_path: Path, running: list[PipeFeeder], s3_endpoint: str, s3_admin: Any, hosts: int) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    for i in range(2):
        s3_admin.put_object(Bucket="bkt", Key=f"ecg/part-{i}.csv", Body=csv_object(i))
    item = ProcessingInput("s3://bkt/ecg/", DESTINATION, "data", s3_input_mode="Pipe")
    feeder = start(feeder_for(tmp_path, item, hosts=hosts, s3=LazyS3Client(s3_endpoint)), running)
    s3_admin.delete_object(Bucket="bkt", Key="ecg/part-1.csv")
    got: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda p=pipe: got.update({p.host: read(p.fifo(0))}), daemon=True)
               for pipe in feeder.channels]
    for reader in readers:
        reader.start()

    wait_for(lambda: feeder.failed)
    feeder.stop()
    for reader in readers:
        reader.join(5)

    assert re.fullmatch(r"Pipe input 'data' on algo-[12]: GetObject failed for s3://bkt/ecg/part-1\.csv: NoSuchKey: "
                        r"The specified key does not exist\.\. Hint: the object does not exist", str(feeder.error))
    assert got == {pipe.host: csv_object(0) for pipe in feeder.channels}


@pytest.mark.parametrize(("declared_size", "gets"), [(1000, 1), (2**62, 2)])
def test_shared_objects_are_spooled_only_if_they_fit_in_half_the_free_space(
        tmp_path: Path, s3_endpoint: str, s3_admin: Any, declared_size: int, gets: int) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    s3_admin.put_object(Bucket="bkt", Key="ecg/part.csv", Body=csv_object(5))
    s3 = LazyS3Client(s3_endpoint)
    sent = counted_gets(s3)
    obj = SourceObject(S3Location("bkt", "ecg/part.csv"), PurePosixPath("part.csv"), declared_size)
    spool = PipeSpool(tmp_path, {obj.uri: (2, declared_size)}, s3, threading.Event())
    streams = [spool.open(obj) for _ in range(2)]

    assert [stream.read() for stream in streams] == [csv_object(5)] * 2
    assert len(sent) == gets  # too big: each read its own GET, through no disk
    for stream in streams:
        stream.close()
    wait_for(lambda: not spool_files(tmp_path))


def test_a_big_local_file_read_by_every_host_does_not_keep_s3_objects_out_of_the_spool(
        tmp_path: Path, running: list[PipeFeeder], s3_endpoint: str, s3_admin: Any) -> None:
    """Local files are never spooled, so they do not count against the spool's room."""
    s3_admin.create_bucket(Bucket="bkt")
    s3_admin.put_object(Bucket="bkt", Key="ecg/part.csv", Body=csv_object(7))
    s3 = LazyS3Client(s3_endpoint)
    sent = counted_gets(s3)
    local = tmp_path / "big.csv"
    local.write_bytes(csv_object(8))
    channels = [PipeChannel(host, "data", tmp_path / host, "s3://bkt/ecg/",
                            (SourceObject(LocalLocation(local), PurePosixPath("big.csv"), 2**62),
                             SourceObject(S3Location("bkt", "ecg/part.csv"), PurePosixPath("part.csv"), 1000)),
                            gzip=False)
                for host in ("algo-1", "algo-2")]
    feeder = start(PipeFeeder(channels, s3, stop_timeout=5, spool=tmp_path), running)

    got = {pipe.host: read(pipe.fifo(0)) for pipe in feeder.channels}

    assert got == {host: csv_object(8) + csv_object(7) for host in ("algo-1", "algo-2")}
    assert sent == ["ecg/part.csv"]


def spool_files(folder: Path) -> list[str]:
    """This process's open files that were in `folder` and have no name: the spool's."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(f"{folder}/") and target.endswith(" (deleted)"):
                found.append(target)
    return found


def wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.02)
