"""The AWS side, without starting anything billable: reads only (STS, IAM, S3, ECR) and a registry login.

    credentials   found by boto3's chain, and accepted (STS GetCallerIdentity: account and identity)
    region        set, and one SageMaker runs in
    role          exists (IAM GetRole), in the caller's account, and trusts sagemaker.amazonaws.com
    bucket        reachable (S3 HeadBucket) and in the region the jobs run in
    repository    the ECR repository exists and holds the tag (DescribeRepositories, DescribeImages)
    login         the engine logs in to the registry with GetAuthorizationToken (held in this process only)

Endpoints are boto3's (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), as everywhere in the kit.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from launcher.doctor.checks import Check, failed, passed
from launcher.errors import AwsError
from launcher.sagemaker_backend.errors import aws_errors

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<name>[\w+=,.@-]+)$")
ROLE_FIX = ("give jobs a role: --role or BYOC_ROLE_ARN=arn:aws:iam::<account>:role/<name>, a role whose trust policy "
            f"lets {SAGEMAKER_PRINCIPAL} assume it (IAM console: create role, AWS service, SageMaker)")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AwsSettings:
    region: str | None = None
    role: str | None = None
    bucket: str | None = None
    repository: str = "byoc/base"
    tag: str = "latest"
    registry: str | None = None  # log the engine in here instead of ECR's own host (a mirror, the tests' registry)


def call(operation: str, action: Callable[[], T]) -> T:
    """Run one AWS call; a botocore failure becomes the launcher's AwsError, with the service's code."""
    with aws_errors(operation):
        return action()


def session(settings: AwsSettings) -> Any:
    import os

    import boto3.session

    return boto3.session.Session(region_name=settings.region or os.environ.get("AWS_REGION") or None)


def credentials_check(aws: Any) -> tuple[Check, str | None]:
    """The check, and the caller's account when the credentials work."""
    name = "aws credentials"
    found = aws.get_credentials()
    if found is None:
        return failed(name, "boto3 finds no AWS credentials", "set AWS_PROFILE, run `aws configure` or "
                      "`aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), None
    try:
        identity = call("GetCallerIdentity", lambda: aws.client("sts").get_caller_identity())
    except AwsError as error:
        return failed(name, f"found ({found.method}) but refused by STS: {error}",
                      "refresh them (`aws sso login`, new keys) or pick another profile (AWS_PROFILE)"), None
    return passed(name, f"{identity['Arn']} (account {identity['Account']}, from {found.method})"), identity["Account"]


def region_check(aws: Any) -> Check:
    name = "aws region"
    region = aws.region_name
    if not region:
        return failed(name, "no region set", "pass --region, or set AWS_REGION (or a region in the profile)")
    if region not in aws.get_available_regions("sagemaker"):
        return failed(name, f"{region} is not a region SageMaker runs in", "pick one SageMaker runs in")
    return passed(name, region)


def role_check(aws: Any, role: str | None, account: str | None) -> Check:
    name = "iam role"
    if not role:
        return failed(name, "no role given", ROLE_FIX)
    parsed = ROLE_ARN.match(role)
    if parsed is None:
        return failed(name, f"{role!r} is not an IAM role ARN", ROLE_FIX)
    if account is not None and parsed["account"] != account:
        return failed(name, f"{role} is in account {parsed['account']}, the credentials in {account}: a job can only "
                            "be given a role of the account that creates it", ROLE_FIX)
    try:
        found = call("GetRole", lambda: aws.client("iam").get_role(RoleName=parsed["name"]))["Role"]
    except AwsError as error:
        if error.code == "NoSuchEntity":
            return failed(name, f"{role} does not exist", ROLE_FIX)
        return failed(name, f"cannot read {role}: {error}", "allow iam:GetRole to these credentials, or check the "
                                                            "role in the IAM console")
    if found.get("Arn") != role:
        return failed(name, f"{role} does not exist; the role named {parsed['name']} is {found.get('Arn')}", ROLE_FIX)
    if not trusts_sagemaker(found.get("AssumeRolePolicyDocument") or {}):
        return failed(name, f"{role} exists but its trust policy does not let {SAGEMAKER_PRINCIPAL} assume it",
                      f"add a statement: Effect Allow, Principal {{Service: {SAGEMAKER_PRINCIPAL}}}, Action "
                      "sts:AssumeRole (IAM console: the role, Trust relationships)")
    return passed(name, f"{role}, trusted by {SAGEMAKER_PRINCIPAL}")


def trusts_sagemaker(document: Any) -> bool:
    """Whether a trust policy lets SageMaker assume the role (IAM returns it URL-encoded JSON or parsed)."""
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    statements = document.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action", [])
        if statement.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(_listed(actions)):
            continue
        principal = statement.get("Principal", {})
        if principal == "*" or SAGEMAKER_PRINCIPAL in _listed(principal.get("Service", [])):
            return True
    return False


def bucket_check(aws: Any, bucket: str | None, region: str | None) -> Check:
    name = "s3 bucket"
    if not bucket:
        return failed(name, "no bucket given", "pass --bucket or set BYOC_BUCKET (a bucket in the jobs' region, "
                                               "where local inputs and code are staged)")
    bucket = bucket.removeprefix("s3://").strip("/")
    s3 = aws.client("s3")
    try:
        answer = call("HeadBucket", lambda: s3.head_bucket(Bucket=bucket))
    except AwsError as error:
        if error.code in ("404", "NoSuchBucket"):
            return failed(name, f"{bucket} does not exist", f"create it in {region or 'the jobs region'}, or name "
                                                            "another with --bucket / BYOC_BUCKET")
        return failed(name, f"{bucket} cannot be reached with these credentials ({error})",
                      "allow s3:ListBucket, s3:GetObject and s3:PutObject on it, or name another bucket")
    where = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
    if not where:
        try:
            location = call("GetBucketLocation", lambda: s3.get_bucket_location(Bucket=bucket))
        except AwsError as error:
            return failed(name, f"cannot tell which region {bucket} is in: {error}",
                          "allow s3:GetBucketLocation on it")
        constraint = location.get("LocationConstraint")
        where = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)
    if region and where != region:
        return failed(name, f"{bucket} is in {where}, the jobs run in {region}: SageMaker Processing reads and writes "
                            "S3 in its own region", f"use a bucket in {region}, or run the jobs in {where} (--region)")
    return passed(name, f"{bucket}, in {where}")


def repository_check(aws: Any, settings: AwsSettings, account: str | None) -> tuple[Check, str | None]:
    """The check, and the image's URI when the repository holds the tag."""
    name = "ecr repository"
    ecr = aws.client("ecr")
    registry = {"registryId": account} if account else {}
    push = _push_fix(settings)
    try:
        repository = call("DescribeRepositories",
                          lambda: ecr.describe_repositories(repositoryNames=[settings.repository], **registry))
    except AwsError as error:
        if error.code == "RepositoryNotFoundException":
            return failed(name, f"no repository {settings.repository} in {aws.region_name}", push), None
        return failed(name, f"cannot read repository {settings.repository}: {error}",
                      "allow ecr:DescribeRepositories and ecr:DescribeImages to these credentials"), None
    uri = f"{repository['repositories'][0]['repositoryUri']}:{settings.tag}"
    try:
        image = call("DescribeImages", lambda: ecr.describe_images(repositoryName=settings.repository,
                                                 imageIds=[{"imageTag": settings.tag}], **registry))["imageDetails"][0]
    except AwsError as error:
        if error.code == "ImageNotFoundException":
            return failed(name, f"{settings.repository} exists but holds no image tagged {settings.tag}", push), None
        return failed(name, f"cannot read the images of {settings.repository}: {error}",
                      "allow ecr:DescribeImages to these credentials"), None
    pushed = image.get("imagePushedAt")
    when = f", pushed {pushed.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if isinstance(pushed, datetime) else ""
    return passed(name, f"{uri} ({image.get('imageDigest', '')[:19]}...{when})"), uri


def login_check(aws: Any, client: Any, account: str | None, registry: str | None) -> Check:
    from docker.errors import APIError

    from launcher.push import authorization

    name = "registry login"
    try:
        proxy, username, password = authorization(aws.client("ecr"), account or "")
    except AwsError as error:
        return failed(name, f"no authorization token from ECR: {error}", "allow ecr:GetAuthorizationToken to these "
                                                                          "credentials")
    host = registry or proxy
    try:
        client.login(username=username, password=password, registry=host, reauth=True)
    except APIError as error:
        return failed(name, f"the engine could not log in to {host}: {error.explanation or error}",
                      f"check that the engine reaches {host} (its proxy, DNS, firewall)")
    return passed(name, f"the engine logged in to {host} (nothing written to ~/.docker/config.json)")


def _push_fix(settings: AwsSettings) -> str:
    image = settings.repository.removeprefix("byoc/")
    if settings.repository.startswith("byoc/") and settings.tag == "latest":
        return f"push the image: make push IMAGE={image} (AWS_REGION= AWS_ACCOUNT_ID= as needed)"
    return f"push the image: byoc push <local image> --repository {settings.repository} --tag {settings.tag}"


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)
