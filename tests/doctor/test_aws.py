"""`byoc doctor --aws` and `--smoke` on the moto server: a good set-up passes every check; a role without the
trust, a bucket in another region, a missing repository, no credentials each fail with their fix."""

from __future__ import annotations

import socket

import pytest

from tests.doctor.conftest import ACCOUNT, BUCKET, REPOSITORY, ROLE, ROLE_NAME, TRUST_EC2, TRUST_SAGEMAKER, Account
from tests.doctor.lines import Line, read
from tests.launcher.conftest import byoc

AWS_CHECKS = ["aws credentials", "aws region", "iam role", "s3 bucket", "ecr repository", "registry login"]
IMAGE_URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:latest"


def doctor(*args: str) -> tuple[int, dict[str, Line]]:
    result = byoc("doctor", "--no-machine", *args)
    assert not result.stderr, result.stderr
    return result.returncode, read(result.stdout)


def aws(*args: str) -> tuple[int, dict[str, Line]]:
    return doctor("--aws", "--role", ROLE, "--bucket", BUCKET, *args)


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port  # closed again: nothing listens there


def test_a_good_set_up_passes_every_check(account: Account, registry: str) -> None:
    account.good()
    code, checks = aws("--registry", registry)
    assert list(checks) == AWS_CHECKS
    assert [name for name, line in checks.items() if not line.ok or line.fix] == []
    assert code == 0
    assert checks["aws credentials"].detail == f"arn:aws:sts::{ACCOUNT}:user/moto (account {ACCOUNT}, from env)"
    assert checks["aws region"].detail == "us-east-1"
    assert checks["iam role"].detail == f"{ROLE}, trusted by sagemaker.amazonaws.com"
    assert checks["s3 bucket"].detail == f"{BUCKET}, in us-east-1"
    assert checks["ecr repository"].detail.startswith(f"{IMAGE_URI} (sha256:")
    assert checks["registry login"].detail == (f"the engine logged in to {registry} (nothing written to "
                                               "~/.docker/config.json)")


def test_a_role_without_the_trust_a_bucket_elsewhere_and_no_repository_fail_with_their_fixes(
        account: Account) -> None:
    account.role(TRUST_EC2)
    account.bucket("eu-west-1")
    code, checks = aws("--registry", f"127.0.0.1:{dead_port()}")
    assert code == 1
    assert [name for name, line in checks.items() if not line.ok] == ["iam role", "s3 bucket", "ecr repository",
                                                                      "registry login"]
    role = checks["iam role"]
    assert role.detail == f"{ROLE} exists but its trust policy does not let sagemaker.amazonaws.com assume it"
    assert role.fix is not None and role.fix.startswith("add a statement: Effect Allow, Principal {Service: "
                                                        "sagemaker.amazonaws.com}, Action sts:AssumeRole")
    bucket = checks["s3 bucket"]
    assert bucket.detail == (f"{BUCKET} is in eu-west-1, the jobs run in us-east-1: SageMaker Processing reads and "
                             "writes S3 in its own region")
    assert bucket.fix == "use a bucket in us-east-1, or run the jobs in eu-west-1 (--region)"
    repository = checks["ecr repository"]
    assert repository.detail == f"no repository {REPOSITORY} in us-east-1"
    assert repository.fix == "push the image: make push IMAGE=base (AWS_REGION= AWS_ACCOUNT_ID= as needed)"
    assert checks["registry login"].detail.startswith("the engine could not log in to 127.0.0.1:")


def test_a_missing_role_and_bucket_and_an_untagged_repository(account: Account, registry: str) -> None:
    account.repository(tag=None)
    code, checks = aws("--registry", registry)
    assert code == 1
    assert checks["iam role"].detail == f"{ROLE} does not exist"
    assert checks["iam role"].fix is not None and "--role or BYOC_ROLE_ARN" in checks["iam role"].fix
    assert checks["s3 bucket"].detail == f"{BUCKET} does not exist"
    assert checks["ecr repository"].detail == f"{REPOSITORY} exists but holds no image tagged latest"
    assert checks["registry login"].ok


def test_a_role_of_another_account_and_nothing_given(account: Account, registry: str) -> None:
    account.good()
    other = f"arn:aws:iam::210987654321:role/{ROLE_NAME}"
    code, checks = doctor("--aws", "--role", other, "--bucket", BUCKET, "--registry", registry)
    assert code == 1
    assert checks["iam role"].detail.startswith(f"{other} is in account 210987654321, the credentials in {ACCOUNT}")
    code, checks = doctor("--aws", "--registry", registry)
    assert (checks["iam role"].detail, checks["s3 bucket"].detail) == ("no role given", "no bucket given")


def test_no_credentials_and_a_region_sagemaker_is_not_in(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, checks = aws()
    assert code == 1
    assert checks["aws credentials"].detail == "boto3 finds no AWS credentials"
    assert checks["aws credentials"].fix is not None and "aws sso login" in checks["aws credentials"].fix
    for name in ("iam role", "s3 bucket", "ecr repository", "registry login"):
        assert checks[name] == Line(False, "not checked: needs working AWS credentials (see above)")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "xx-nowhere-1")
    code, checks = aws()
    assert code == 1
    assert checks["aws region"].detail == "xx-nowhere-1 is not a region SageMaker runs in"


def test_smoke_runs_one_instance_of_the_smallest_type_and_reports_its_end(account: Account, registry: str) -> None:
    account.good()
    code, checks = doctor("--smoke", "--role", ROLE, "--bucket", BUCKET, "--registry", registry)
    assert code == 0, checks
    smoke = checks["smoke job"]
    assert smoke.ok
    (job,) = account.client("sagemaker").list_processing_jobs()["ProcessingJobSummaries"]
    name = job["ProcessingJobName"]
    assert name.startswith("byoc-doctor-smoke-")
    described = account.client("sagemaker").describe_processing_job(ProcessingJobName=name)  # moto keeps no resources
    assert described["AppSpecification"] == {"ImageUri": IMAGE_URI, "ContainerArguments": ["inventory"]}
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 900}
    (output,) = described["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3Uri"] == f"s3://{BUCKET}/byoc/{name}/output/inventory"
    assert described["RoleArn"] == ROLE
    assert smoke.detail.startswith(f"{name} (1 x ml.t3.medium, {IMAGE_URI}) Completed in ")


def test_smoke_is_not_run_when_the_set_up_is_broken(account: Account, registry: str) -> None:
    account.role(TRUST_SAGEMAKER)
    account.bucket()
    code, checks = doctor("--smoke", "--role", ROLE, "--bucket", BUCKET, "--registry", registry)
    assert code == 1
    assert checks["smoke job"] == Line(False, "not run: the role, the bucket and the image must pass first (see above)")
    assert account.client("sagemaker").list_processing_jobs()["ProcessingJobSummaries"] == []
