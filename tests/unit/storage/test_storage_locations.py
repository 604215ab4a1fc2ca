from pathlib import Path

import pytest

from launcher.storage import LocalLocation, LocationError, S3Location, parse_location


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s3://bkt/data/train", S3Location("bkt", "data/train")),
        ("s3://bkt/data/", S3Location("bkt", "data/")),
        ("s3://bkt", S3Location("bkt", "")),
        ("s3://bkt/", S3Location("bkt", "")),
        ("s3://bkt/a%20b/c d", S3Location("bkt", "a%20b/c d")),  # verbatim, as SageMaker reads S3Uri
        ("file:///tmp/a%20b/x.csv", LocalLocation(Path("/tmp/a b/x.csv"))),
        ("file://localhost/tmp/x", LocalLocation(Path("/tmp/x"))),
        ("/abs/data", LocalLocation(Path("/abs/data"))),
        ("rel/data", LocalLocation(Path("rel/data"))),
        ("data:1/x", LocalLocation(Path("data:1/x"))),  # a colon alone is not a scheme
    ],
)
def test_parse(value, expected):
    assert parse_location(value) == expected


def test_relative_local_path_joins_base_dir(tmp_path):
    assert parse_location("in/x.csv", base_dir=tmp_path) == LocalLocation(tmp_path / "in/x.csv")
    assert parse_location("/abs", base_dir=tmp_path) == LocalLocation(Path("/abs"))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("https://bkt.s3.amazonaws.com/data/x.csv", "unsupported scheme 'https'"),
        ("gs://bkt/x", "unsupported scheme 'gs'"),
        ("S3://bkt/x", "lower case"),
        ("s3:bkt/x", "malformed s3: URI"),
        ("s3:///key", "no bucket name"),
        ("file://server/share/x", "remote host 'server'"),
        ("file:relative/x", "malformed file: URI"),
        ("file:///tmp/a?b", "query or fragment"),
    ],
)
def test_rejected_values_are_named(value, reason):
    with pytest.raises(LocationError) as info:
        parse_location(value)
    assert str(info.value).startswith(f"invalid location {value!r}: ")
    assert reason in str(info.value)
    assert info.value.value == value


@pytest.mark.parametrize("key", ["out", "out/", "out//"])
def test_s3_child_joins_with_one_slash(key):
    assert S3Location("bkt", key).child("sub/x.csv") == S3Location("bkt", "out/sub/x.csv")


def test_s3_child_of_bucket_root():
    assert S3Location("bkt", "").child("x.csv").uri == "s3://bkt/x.csv"


def test_str_is_uri():
    assert str(S3Location("bkt", "a/b")) == "s3://bkt/a/b"
    assert str(LocalLocation(Path("/x/y"))) == "/x/y"
