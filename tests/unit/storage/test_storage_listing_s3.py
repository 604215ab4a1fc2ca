import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath

import pytest

from launcher.storage import (
    LandingConflictError,
    ManifestError,
    S3AccessError,
    S3ClientProvider,
    S3DataType,
    S3Location,
    SourceNotFoundError,
    UnsafeKeyError,
    list_source,
    parse_location,
)

PREFIX = S3DataType.S3_PREFIX
MANIFEST = S3DataType.MANIFEST_FILE


def listed(uri: str, s3: S3ClientProvider, data_type: S3DataType = PREFIX) -> list[tuple[str, str, int]]:
    return [(o.uri, str(o.relative_path), o.size) for o in list_source(parse_location(uri), data_type, s3)]


def test_prefix_is_a_key_prefix_match_landing_relative_to_its_last_slash(put, s3):
    put(
        {
            "data/train-1.csv": b"1",
            "data/train-2.csv": b"22",
            "data/training.csv": b"333",
            "data/train/x.csv": b"4444",
            "data/test.csv": b"no",
            "other/train-1.csv": b"no",
        }
    )
    assert listed("s3://bkt/data/train", s3) == [
        ("s3://bkt/data/train-1.csv", "train-1.csv", 1),
        ("s3://bkt/data/train-2.csv", "train-2.csv", 2),
        ("s3://bkt/data/train/x.csv", "x.csv", 4),  # the prefix continued by "/": a folder
        ("s3://bkt/data/training.csv", "training.csv", 3),
    ]


def test_folder_prefix_keeps_nested_keys(put, s3):
    put({"data/x/y.csv": b"y", "data/a.csv": b"a", "data/x/z/w.csv": b"w", "datax.csv": b"no"})
    assert [rel for _, rel, _ in listed("s3://bkt/data/", s3)] == ["a.csv", "x/y.csv", "x/z/w.csv"]


def test_single_object_lands_as_its_basename(put, s3):
    put({"code/run.py": b"print()", "code/other.py": b""})
    assert listed("s3://bkt/code/run.py", s3) == [("s3://bkt/code/run.py", "run.py", 7)]


def test_bucket_root_lands_keys_as_they_are(put, s3):
    put({"a.csv": b"a", "d/b.csv": b"b"})
    assert [rel for _, rel, _ in listed("s3://bkt", s3)] == ["a.csv", "d/b.csv"]


def test_console_folder_markers_are_skipped(put, s3):
    put({"data/": b"", "data/sub/": b"", "data/sub/x.csv": b"x"})
    assert [rel for _, rel, _ in listed("s3://bkt/data/", s3)] == ["sub/x.csv"]


def test_non_empty_key_ending_with_slash_is_rejected(put, s3):
    put({"data/odd/": b"content"})
    with pytest.raises(UnsafeKeyError, match=r"s3://bkt/data/odd/: .* 'odd/' ends with '/'"):
        list_source(S3Location("bkt", "data/"), PREFIX, s3)


def test_listing_follows_pages(s3_admin, bucket, s3):
    with ThreadPoolExecutor(16) as pool:  # ListObjectsV2 returns at most 1000 keys per page
        list(pool.map(lambda i: s3_admin.put_object(Bucket=bucket, Key=f"many/{i:04d}", Body=b""), range(1001)))
    objects = list_source(S3Location("bkt", "many/"), PREFIX, s3)
    assert [str(o.relative_path) for o in objects] == [f"{i:04d}" for i in range(1001)]


def test_dot_dot_key_is_rejected_naming_it(put, s3):
    put({"data/ok.csv": b"", "data/../evil.csv": b"x"})
    with pytest.raises(UnsafeKeyError) as info:
        list_source(S3Location("bkt", "data/"), PREFIX, s3)
    assert str(info.value) == (
        "s3://bkt/data/../evil.csv: refusing to download it: its local path '../evil.csv' contains a '..' "
        "segment (it would not land inside the input's LocalPath)"
    )


def test_key_landing_at_an_absolute_path_is_rejected(put, s3):
    put({"data//etc/passwd": b"x"})
    with pytest.raises(UnsafeKeyError, match=r"s3://bkt/data//etc/passwd: .* '/etc/passwd' is absolute"):
        list_source(S3Location("bkt", "data/"), PREFIX, s3)


def test_file_where_a_folder_is_needed_is_a_conflict(put, s3):
    put({"data/a": b"file", "data/a/b": b"nested"})
    with pytest.raises(LandingConflictError) as info:
        list_source(S3Location("bkt", "data/"), PREFIX, s3)
    assert str(info.value) == (
        "s3://bkt/data/a and s3://bkt/data/a/b would both be written at 'a' inside the input's LocalPath"
    )


def test_missing_bucket_names_operation_and_uri(s3):
    with pytest.raises(S3AccessError) as info:
        list_source(S3Location("nope", "data/"), PREFIX, s3)
    assert str(info.value) == (
        "ListObjectsV2 failed for s3://nope/data/: NoSuchBucket: The specified bucket does not exist. "
        'Hint: bucket "nope" does not exist (check the name, the region and the endpoint)'
    )
    assert (info.value.operation, info.value.code) == ("ListObjectsV2", "NoSuchBucket")


def test_prefix_matching_nothing_is_an_error(put, s3):
    put({"data/x.csv": b"x"})
    with pytest.raises(SourceNotFoundError) as info:
        list_source(S3Location("bkt", "missing/"), PREFIX, s3)
    assert str(info.value).startswith('No S3 objects found under S3 URL "s3://bkt/missing/"')
    assert info.value.uri == "s3://bkt/missing/"


# --- ManifestFile ------------------------------------------------------------------------------------


def put_manifest(put: Callable[[dict[str, bytes]], None], document: object) -> None:
    put({"manifests/m.json": json.dumps(document).encode()})


def test_manifest_lists_its_entries_in_key_order(put, s3):
    put({"data/b/2.csv": b"22", "data/a/1.csv": b"1", "data/unlisted.csv": b""})
    put_manifest(put, [{"prefix": "s3://bkt/data/"}, "b/2.csv", "a/1.csv"])
    assert listed("s3://bkt/manifests/m.json", s3, MANIFEST) == [
        ("s3://bkt/data/a/1.csv", "a/1.csv", 1),
        ("s3://bkt/data/b/2.csv", "b/2.csv", 2),
    ]


def test_manifest_prefix_is_concatenated_with_entries(put, s3):
    put({"data/part-1.csv": b"1"})
    put_manifest(put, [{"prefix": "s3://bkt/data/part-"}, "1.csv"])
    objects = list_source(S3Location("bkt", "manifests/m.json"), MANIFEST, s3)
    assert [(o.uri, o.relative_path) for o in objects] == [("s3://bkt/data/part-1.csv", PurePosixPath("1.csv"))]


def test_manifest_entry_that_does_not_exist_is_named(put, s3):
    put({"data/a.csv": b"a"})
    put_manifest(put, [{"prefix": "s3://bkt/data/"}, "a.csv", "gone.csv"])
    with pytest.raises(S3AccessError) as info:
        list_source(S3Location("bkt", "manifests/m.json"), MANIFEST, s3)
    assert str(info.value).startswith("HeadObject failed for s3://bkt/data/gone.csv: 404: Not Found")
    assert str(info.value).endswith("Hint: the object (or its bucket) does not exist")


@pytest.mark.parametrize(("entry", "reason"), [("../up.csv", "contains a '..' segment"), ("/abs.csv", "is absolute")])
def test_manifest_entry_escaping_the_folder_is_rejected(put, s3, entry, reason):
    put_manifest(put, [{"prefix": "s3://bkt/data/"}, "ok.csv", entry])
    with pytest.raises(UnsafeKeyError, match=reason) as info:
        list_source(S3Location("bkt", "manifests/m.json"), MANIFEST, s3)
    assert info.value.relative_path == entry


def test_duplicate_manifest_entries_are_a_conflict(put, s3):
    put({"data/a.csv": b"a"})
    put_manifest(put, [{"prefix": "s3://bkt/data/"}, "a.csv", "a.csv"])
    with pytest.raises(LandingConflictError, match=re.escape("would both be written at 'a.csv'")):
        list_source(S3Location("bkt", "manifests/m.json"), MANIFEST, s3)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("not json", "is not valid JSON"),
        ({"prefix": "s3://bkt/"}, "is not a non-empty JSON array"),
        ([], "is not a non-empty JSON array"),
        (["s3://bkt/", "a"], 'element 0 is not {"prefix": "<uri>"}'),
        ([{"prefix": "s3://bkt/", "extra": 1}, "a"], 'element 0 is not {"prefix": "<uri>"}'),
        ([{"prefix": "https://bkt/"}, "a"], "element 0: invalid location 'https://bkt/'"),
        ([{"prefix": "/local/dir/"}, "a"], "the prefix '/local/dir/' of an S3 manifest must be an s3:// URI"),
        ([{"prefix": "s3://bkt/"}, "a", 3], "element 2 is 3, not a string key"),
        ([{"prefix": "s3://bkt/"}], "lists no objects after the prefix"),
    ],
)
def test_malformed_manifest_is_named(put, s3, document, reason):
    put({"manifests/m.json": document.encode() if isinstance(document, str) else json.dumps(document).encode()})
    with pytest.raises(ManifestError) as info:
        list_source(S3Location("bkt", "manifests/m.json"), MANIFEST, s3)
    assert str(info.value).startswith(f"manifest s3://bkt/manifests/m.json: {reason}")


def test_missing_manifest_is_named(bucket, s3):
    with pytest.raises(S3AccessError) as info:
        list_source(S3Location("bkt", "manifests/none.json"), MANIFEST, s3)
    assert str(info.value).startswith(
        "GetObject failed for s3://bkt/manifests/none.json: NoSuchKey: The specified key does not exist."
    )


def test_local_manifest_may_point_to_s3(put, s3, tmp_path):
    put({"data/a.csv": b"a"})
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([{"prefix": "s3://bkt/data/"}, "a.csv"]))
    assert listed(str(manifest), s3, MANIFEST) == [("s3://bkt/data/a.csv", "a.csv", 1)]
