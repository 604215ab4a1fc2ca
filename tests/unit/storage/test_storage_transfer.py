import os
import tempfile
from pathlib import Path, PurePosixPath

import pytest
from boto3.s3.transfer import TransferConfig

from launcher.storage import (
    Distribution,
    LocalFileError,
    LocalLocation,
    S3AccessError,
    S3DataType,
    S3Location,
    SkippedEntry,
    SourceNotFoundError,
    SourceObject,
    download,
    list_source,
    open_stream,
    shard,
    upload,
    upload_one,
)


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file below root (symlinks not followed), by relative POSIX path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def write(root: Path, files: dict[str, bytes]) -> None:
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(body)


OBJECTS = {f"data/{d}/part-{i}.bin": os.urandom(1000 + i) for i, d in enumerate("aabbccdd")}


def test_download_a_shard_from_s3(put, s3, tmp_path):
    put(OBJECTS)
    objects = list_source(S3Location("bkt", "data/"), S3DataType.S3_PREFIX, s3)
    second = shard(objects, 3, Distribution.SHARDED_BY_S3_KEY)[1]
    moved: list[int] = []

    download(second, tmp_path / "algo-2/input", s3, progress=moved.append)

    expected = {key[5:]: body for key, body in sorted(OBJECTS.items())[1::3]}
    assert tree(tmp_path / "algo-2/input") == expected
    assert sum(moved) == sum(map(len, expected.values()))


def test_download_uses_multipart_with_a_transfer_config(put, s3, tmp_path):
    body = os.urandom(6 * 1024 * 1024)
    put({"big/blob": body})
    objects = list_source(S3Location("bkt", "big/blob"), S3DataType.S3_PREFIX, s3)
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    download(objects, tmp_path, s3, transfer_config=config)
    assert (tmp_path / "blob").read_bytes() == body


def test_empty_shard_makes_an_empty_folder(tmp_path, no_s3):
    download([], tmp_path / "in", no_s3)
    assert list((tmp_path / "in").iterdir()) == []


def test_local_download_is_a_copy(tmp_path, no_s3):
    write(tmp_path / "src", {"x/a.bin": b"original" * 200_000})  # > one 1 MiB chunk
    objects = list_source(LocalLocation(tmp_path / "src"), S3DataType.S3_PREFIX, no_s3)
    moved: list[int] = []

    download(objects, tmp_path / "dst", no_s3, progress=moved.append)

    copy, original = tmp_path / "dst/x/a.bin", tmp_path / "src/x/a.bin"
    assert copy.read_bytes() == original.read_bytes()
    assert copy.stat().st_ino != original.stat().st_ino
    assert len(moved) == 2 and sum(moved) == 1_600_000
    copy.write_bytes(b"changed by the job")
    assert original.read_bytes() == b"original" * 200_000


def test_download_of_a_vanished_s3_object_is_named(bucket, s3, tmp_path):
    gone = SourceObject(S3Location(bucket, "data/gone.csv"), PurePosixPath("gone.csv"), 1)
    with pytest.raises(S3AccessError) as info:
        download([gone], tmp_path, s3)
    assert str(info.value).startswith("HeadObject failed for s3://bkt/data/gone.csv: 404: Not Found")


def test_download_onto_a_folder_is_a_local_error(put, s3, tmp_path):
    put({"data/x.csv": b"x"})
    (tmp_path / "in/x.csv").mkdir(parents=True)
    objects = list_source(S3Location("bkt", "data/"), S3DataType.S3_PREFIX, s3)
    with pytest.raises(LocalFileError, match=f"^writing {tmp_path}/in/x.csv failed: "):
        download(objects, tmp_path / "in", s3)


def test_download_of_a_vanished_local_file_is_named(tmp_path, no_s3):
    gone = SourceObject(LocalLocation(tmp_path / "gone.csv"), PurePosixPath("gone.csv"), 1)
    with pytest.raises(LocalFileError) as info:
        download([gone], tmp_path / "dst", no_s3)
    assert str(info.value) == (
        f"copying {tmp_path}/gone.csv to {tmp_path}/dst/gone.csv failed: No such file or directory"
    )


def output_folder(root: Path) -> Path:
    out = root / "output"
    write(out, {"a.txt": b"a", "sub/deep/b.txt": b"bb", "target.txt": b"t"})
    (out / "link.txt").symlink_to(out / "target.txt")
    (out / "sub/linkdir").symlink_to(out / "sub/deep")
    (out / "empty").mkdir()
    return out


SKIPPED = (
    SkippedEntry(PurePosixPath("link.txt"), "symlink, not followed"),
    SkippedEntry(PurePosixPath("sub/linkdir"), "symlink to a folder, not followed"),
)


@pytest.mark.parametrize("prefix", ["s3://bkt/out", "s3://bkt/out/"])
def test_upload_a_folder_to_s3_skipping_symlinks(bucket, s3, s3_admin, tmp_path, prefix):
    moved: list[int] = []
    report = upload(output_folder(tmp_path), S3Location(bucket, prefix[len("s3://bkt/") :]), s3, progress=moved.append)

    keys = [o["Key"] for o in s3_admin.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["out/a.txt", "out/sub/deep/b.txt", "out/target.txt"]
    assert s3_admin.get_object(Bucket=bucket, Key="out/sub/deep/b.txt")["Body"].read() == b"bb"
    assert report.uploaded == tuple(map(PurePosixPath, ["a.txt", "sub/deep/b.txt", "target.txt"]))
    assert report.skipped == SKIPPED
    assert report.total_bytes == sum(moved) == 4


def test_upload_a_folder_to_a_local_destination(tmp_path, no_s3):
    report = upload(output_folder(tmp_path), LocalLocation(tmp_path / "results"), no_s3)
    assert tree(tmp_path / "results") == {"a.txt": b"a", "sub/deep/b.txt": b"bb", "target.txt": b"t"}
    assert not (tmp_path / "results/link.txt").exists()
    assert report.skipped == SKIPPED


def test_a_linked_upload_is_a_copy_where_no_link_can_be_made(tmp_path, no_s3):
    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:  # another filesystem than tmp_path's
        assert os.stat(other).st_dev != tmp_path.stat().st_dev
        source = Path(other) / "out.bin"
        source.write_bytes(b"abc")
        upload_one(source, LocalLocation(tmp_path / "dest"), PurePosixPath("out.bin"), no_s3, link=True)
        sent = tmp_path / "dest" / "out.bin"
        assert sent.read_bytes() == b"abc"
        assert sent.stat().st_nlink == 1 and source.stat().st_nlink == 1
    assert tree(tmp_path / "dest") == {"out.bin": b"abc"}


def test_upload_to_a_missing_bucket_is_named(s3, tmp_path):
    write(tmp_path / "out", {"a.txt": b"a"})
    with pytest.raises(S3AccessError) as info:
        upload(tmp_path / "out", S3Location("nope", "results"), s3)
    assert str(info.value).startswith(
        "PutObject failed for s3://nope/results/a.txt: NoSuchBucket: The specified bucket does not exist."
    )


def test_upload_of_a_missing_folder_is_named(tmp_path, no_s3):
    with pytest.raises(SourceNotFoundError, match=f'output folder "{tmp_path}/none" does not exist'):
        upload(tmp_path / "none", LocalLocation(tmp_path / "dst"), no_s3)


def test_open_stream_from_s3_and_local(put, s3, tmp_path, no_s3):
    put({"data/x.bin": b"s3 bytes"})
    (tmp_path / "y.bin").write_bytes(b"local bytes")
    from_s3 = SourceObject(S3Location("bkt", "data/x.bin"), PurePosixPath("x.bin"), 8)
    local = SourceObject(LocalLocation(tmp_path / "y.bin"), PurePosixPath("y.bin"), 11)

    with open_stream(from_s3, s3) as stream:
        assert stream.read(3) + stream.read() == b"s3 bytes"
    with open_stream(local, no_s3) as stream:
        assert stream.read() == b"local bytes"


def test_open_stream_of_a_missing_object_is_named(bucket, s3):
    gone = SourceObject(S3Location(bucket, "data/gone"), PurePosixPath("gone"), 1)
    with pytest.raises(S3AccessError, match=r"^GetObject failed for s3://bkt/data/gone: NoSuchKey"):
        open_stream(gone, s3)
