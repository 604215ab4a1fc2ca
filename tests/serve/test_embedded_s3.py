"""The embedded S3: what it holds survives a restart of the server process."""

from __future__ import annotations

import io
from pathlib import Path

from boto3.s3.transfer import TransferConfig

from tests.serve.conftest import start_server


def test_objects_and_buckets_survive_a_restart(tmp_path: Path) -> None:
    root = tmp_path / "serve"
    first = start_server(root)
    try:
        s3 = first.client("s3")
        s3.create_bucket(Bucket="kept")
        s3.create_bucket(Bucket="dropped")
        s3.put_object(Bucket="kept", Key="a/b.csv", Body=b"id\n1\n", ContentType="text/csv", Metadata={"m": "v"})
        s3.put_object(Bucket="kept", Key="gone.txt", Body=b"x")
        s3.put_object(Bucket="kept", Key="weird key/é+%.txt", Body=b"y")
        big = bytes(range(256)) * 40000  # 10 MB, in 5 MB parts
        s3.upload_fileobj(io.BytesIO(big), "kept", "big.bin",
                          Config=TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20))
        s3.delete_objects(Bucket="kept", Delete={"Objects": [{"Key": "gone.txt"}]})
        s3.delete_bucket(Bucket="dropped")
        etag = s3.head_object(Bucket="kept", Key="big.bin")["ETag"]
    finally:
        assert first.stop() == 0
    second = start_server(root)
    try:
        s3 = second.client("s3")
        assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {"kept", "sagemaker-local"}
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"])
        assert keys == ["a/b.csv", "big.bin", "weird key/é+%.txt"]
        obj = s3.get_object(Bucket="kept", Key="a/b.csv")
        assert (obj["Body"].read(), obj["ContentType"], obj["Metadata"]) == (b"id\n1\n", "text/csv", {"m": "v"})
        assert s3.get_object(Bucket="kept", Key="big.bin")["Body"].read() == big
        assert s3.head_object(Bucket="kept", Key="big.bin")["ETag"] == etag
        assert "3 object(s) restored" in second.log.read_text()
    finally:
        second.stop()
