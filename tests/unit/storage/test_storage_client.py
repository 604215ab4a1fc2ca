import pytest
from botocore.exceptions import ClientError

import launcher.storage.client as client_module
from launcher.storage import (
    LazyS3Client,
    S3AccessError,
    S3DataType,
    S3Location,
    list_source,
    s3_client,
)
from launcher.storage.client import s3_errors


def test_endpoint_from_aws_endpoint_url_is_honoured(put, s3_endpoint, monkeypatch):
    put({"data/x.csv": b"x"})
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    objects = list_source(S3Location("bkt", "data/"), S3DataType.S3_PREFIX, LazyS3Client())
    assert [o.uri for o in objects] == ["s3://bkt/data/x.csv"]


@pytest.mark.parametrize("via", ["argument", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
def test_any_configured_endpoint_gets_path_style_requests(monkeypatch, via):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = "http://minio.example:9000"
    if via == "argument":
        client = s3_client(endpoint, "eu-west-1")
    else:
        monkeypatch.setenv(via, endpoint)
        client = s3_client(region="eu-west-1")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "a/b"})  # type: ignore[attr-defined]
    assert url.startswith("http://minio.example:9000/bkt/a/b?")


def test_without_an_endpoint_aws_gets_virtual_hosted_requests(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    url = s3_client(region="eu-west-1").generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": "bkt", "Key": "a/b"}
    )
    assert url.startswith("https://bkt.s3.amazonaws.com/a/b?")


def test_lazy_client_is_made_on_first_use_only_once(monkeypatch):
    made: list[tuple[str | None, str | None]] = []

    def fake(endpoint_url=None, region=None):
        made.append((endpoint_url, region))
        return object()

    monkeypatch.setattr(client_module, "s3_client", fake)
    provider = LazyS3Client("http://e", "r")
    assert made == []
    assert provider() is provider()
    assert made == [("http://e", "r")]


def test_missing_credentials_are_explained(s3_endpoint, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(S3AccessError) as info:
        list_source(S3Location("bkt", "data/"), S3DataType.S3_PREFIX, LazyS3Client(s3_endpoint))
    assert str(info.value) == (
        "ListObjectsV2 failed for s3://bkt/data/: NoCredentialsError: Unable to locate credentials. "
        "Hint: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_access_denied_is_wrapped_naming_operation_and_uri():
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")
    with pytest.raises(S3AccessError) as info, s3_errors("GetObject", S3Location("bkt", "k")):
        raise error
    assert str(info.value) == (
        "GetObject failed for s3://bkt/k: AccessDenied: Access Denied. "
        "Hint: the credentials in use are not allowed to do GetObject on s3://bkt/k"
    )
    assert info.value.__cause__ is error
