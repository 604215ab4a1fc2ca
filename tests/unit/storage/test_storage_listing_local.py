import json
import os
from pathlib import Path

import pytest

from launcher.storage import (
    Distribution,
    LazyS3Client,
    LocalLocation,
    S3DataType,
    SourceNotFoundError,
    UnsafeKeyError,
    download,
    list_source,
    parse_location,
    shard,
    upload,
)

PREFIX = S3DataType.S3_PREFIX
MANIFEST = S3DataType.MANIFEST_FILE


def write(root: Path, files: dict[str, bytes]) -> None:
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(body)


def listed(source: Path | str, no_s3, data_type=PREFIX):
    return [
        (o.uri, str(o.relative_path), o.size)
        for o in list_source(parse_location(str(source)), data_type, no_s3)
    ]


def test_folder_behaves_like_a_prefix_ending_in_slash(tmp_path, no_s3):
    data = tmp_path / "data"
    write(data, {"b.csv": b"bb", "a/y.csv": b"y", "a-1.csv": b"1", ".hidden": b"h"})
    assert listed(data, no_s3) == [
        (f"{data}/.hidden", ".hidden", 1),
        (f"{data}/a-1.csv", "a-1.csv", 1),  # "-" sorts before "/", as S3 keys do
        (f"{data}/a/y.csv", "a/y.csv", 1),
        (f"{data}/b.csv", "b.csv", 2),
    ]


def test_file_uri_works_like_a_path(tmp_path, no_s3):
    write(tmp_path, {"x.csv": b"x"})
    assert listed(f"file://{tmp_path}", no_s3) == [(f"{tmp_path}/x.csv", "x.csv", 1)]


def test_single_file_lands_as_its_basename(tmp_path, no_s3):
    write(tmp_path, {"code/run.py": b"print()"})
    assert listed(tmp_path / "code/run.py", no_s3) == [(f"{tmp_path}/code/run.py", "run.py", 7)]


def test_symlinked_files_are_followed_but_symlinked_folders_are_not_entered(tmp_path, no_s3):
    write(tmp_path, {"outside/o.csv": b"o", "data/real.csv": b"r"})
    (tmp_path / "data/link.csv").symlink_to(tmp_path / "outside/o.csv")
    (tmp_path / "data/linkdir").symlink_to(tmp_path / "outside")
    (tmp_path / "data/broken").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "data/fifo")
    assert [rel for _, rel, _ in listed(tmp_path / "data", no_s3)] == ["link.csv", "real.csv"]


def test_no_partial_name_match_locally(tmp_path, no_s3):
    write(tmp_path, {"data/train-1.csv": b"1"})
    with pytest.raises(SourceNotFoundError) as info:
        list_source(LocalLocation(tmp_path / "data/train"), PREFIX, no_s3)
    assert str(info.value) == f'local input "{tmp_path}/data/train" does not exist'


def test_empty_folder_is_an_error(tmp_path, no_s3):
    (tmp_path / "empty/sub").mkdir(parents=True)
    with pytest.raises(SourceNotFoundError, match=f'No files found under local folder "{tmp_path}/empty"'):
        list_source(LocalLocation(tmp_path / "empty"), PREFIX, no_s3)


def test_local_manifest_with_a_relative_local_prefix(tmp_path, no_s3):
    write(tmp_path, {"data/b/2.csv": b"22", "data/a.csv": b"1", "data/unlisted": b""})
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests/m.json"
    manifest.write_text(json.dumps([{"prefix": "../data/"}, "b/2.csv", "a.csv"]))
    assert listed(manifest, no_s3, MANIFEST) == [
        (f"{tmp_path}/manifests/../data/a.csv", "a.csv", 1),
        (f"{tmp_path}/manifests/../data/b/2.csv", "b/2.csv", 2),
    ]


def test_local_manifest_with_a_file_uri_prefix(tmp_path, no_s3):
    write(tmp_path, {"data/a.csv": b"1"})
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([{"prefix": f"file://{tmp_path}/data/"}, "a.csv"]))
    assert listed(manifest, no_s3, MANIFEST) == [(f"{tmp_path}/data/a.csv", "a.csv", 1)]


def test_local_manifest_entry_that_does_not_exist_is_named(tmp_path, no_s3):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([{"prefix": str(tmp_path)}, "gone.csv"]))
    with pytest.raises(SourceNotFoundError) as info:
        list_source(LocalLocation(manifest), MANIFEST, no_s3)
    assert str(info.value) == f'manifest {manifest} lists "gone.csv", but {tmp_path}/gone.csv is not a regular file'


def test_local_manifest_entry_with_dot_dot_is_rejected(tmp_path, no_s3):
    write(tmp_path, {"secret": b"s", "data/ok": b""})
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([{"prefix": str(tmp_path / "data")}, "ok", "../secret"]))
    with pytest.raises(UnsafeKeyError, match=r"'\.\./secret' contains a '\.\.' segment"):
        list_source(LocalLocation(manifest), MANIFEST, no_s3)


def test_missing_local_manifest_is_named(tmp_path, no_s3):
    with pytest.raises(SourceNotFoundError, match=f'manifest file "{tmp_path}/m.json" does not exist'):
        list_source(LocalLocation(tmp_path / "m.json"), MANIFEST, no_s3)


def test_local_only_job_needs_no_aws_environment(tmp_path, clean_aws_env, monkeypatch):
    """List, shard, download and upload local data with no AWS_* variable, an empty HOME, and a real
    LazyS3Client whose factory would fail if it were ever called."""
    assert not [name for name in os.environ if name.startswith("AWS_")]
    assert not any(clean_aws_env.iterdir())

    def forbidden(*args, **kwargs):
        raise AssertionError("an S3 client was created for local data")

    monkeypatch.setattr("launcher.storage.client.s3_client", forbidden)
    s3 = LazyS3Client()
    write(tmp_path / "in", {f"part-{i}.csv": bytes([i]) * (i + 1) for i in range(5)})

    objects = list_source(parse_location(f"file://{tmp_path}/in"), PREFIX, s3)
    shards = shard(objects, 2, Distribution.SHARDED_BY_S3_KEY)
    for host, objs in enumerate(shards, start=1):
        download(objs, tmp_path / f"algo-{host}/input", s3)
    report = upload(tmp_path / "algo-1/input", LocalLocation(tmp_path / "out"), s3)

    assert sorted(p.name for p in (tmp_path / "algo-1/input").iterdir()) == ["part-0.csv", "part-2.csv", "part-4.csv"]
    assert sorted(p.name for p in (tmp_path / "algo-2/input").iterdir()) == ["part-1.csv", "part-3.csv"]
    assert [str(p) for p in report.uploaded] == ["part-0.csv", "part-2.csv", "part-4.csv"]
    assert (tmp_path / "out/part-4.csv").read_bytes() == bytes([4]) * 5
