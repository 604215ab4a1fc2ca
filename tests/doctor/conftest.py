"""`byoc doctor` against the real engine and, for --aws and --smoke, the session's moto server (IAM, STS, S3,
ECR, SageMaker) set up well or badly; the engine's registry login goes to a real registry on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.push.conftest import registry  # noqa: F401  (the fixtures, shared with the push tests)
from tests.push.test_push import arm64_image  # noqa: F401
from tests.sagemaker.conftest import admin_client

ACCOUNT = "123456789012"
ROLE_NAME = "SageMakerProcessing"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
BUCKET = "jobs-bucket"
REPOSITORY = "byoc/base"
TRUST_SAGEMAKER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
MANIFEST = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                       "digest": "sha256:" + "1" * 64},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2,
                        "digest": "sha256:" + "2" * 64}]}


@dataclass
class Account:
    """The moto server's account, as a test arranges it."""

    endpoint: str

    def client(self, service: str) -> Any:
        return admin_client(service, self.endpoint)

    def role(self, trust: dict[str, Any]) -> str:
        self.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
        return ROLE

    def bucket(self, region: str = "us-east-1") -> str:
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        self.client("s3").create_bucket(Bucket=BUCKET, **where)
        return BUCKET

    def repository(self, tag: str | None = "latest") -> str:
        ecr = self.client("ecr")
        uri: str = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
        if tag is not None:
            ecr.put_image(repositoryName=REPOSITORY, imageManifest=json.dumps(MANIFEST), imageTag=tag)
        return uri

    def good(self) -> None:
        self.role(TRUST_SAGEMAKER)
        self.bucket()
        self.repository()


@pytest.fixture
def account(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Account:
    """Every AWS service at the (reset) moto server, through AWS_ENDPOINT_URL as a user sets it; us-east-1."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return Account(s3_endpoint)
