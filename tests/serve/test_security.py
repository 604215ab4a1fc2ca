"""Only requests signed with a key the server holds are served; refusals are AWS's own codes."""

from __future__ import annotations

import json
import stat
import subprocess
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.serve.conftest import BASE_IMAGE, REGION, REPO, SERVE, Server, job_request, unique, wait_status


def refused(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def client(server: Server, service: str, key: str, secret: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=server.url, region_name=REGION,
                                          aws_access_key_id=key, aws_secret_access_key=secret)


def raw_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_an_unsigned_request_is_refused(server: Server) -> None:
    status, body = raw_post(server.url, {"X-Amz-Target": "SageMaker.ListProcessingJobs",
                                         "Content-Type": "application/x-amz-json-1.1"}, b"{}")
    assert status == 400
    assert json.loads(body)["__type"] == "MissingAuthenticationTokenException"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(f"{server.url}/sagemaker-local/", timeout=10)
    assert caught.value.code == 403
    assert b"<Code>AccessDenied</Code>" in caught.value.read()


def test_an_unknown_key_is_an_unrecognized_client(server: Server) -> None:
    stranger = "AKIASTRANGER00000000"
    assert refused(client(server, "sagemaker", stranger, "x").list_processing_jobs) == (
        "UnrecognizedClientException", 400)
    assert refused(client(server, "logs", stranger, "x").describe_log_streams,
                   logGroupName="/aws/sagemaker/ProcessingJobs") == ("UnrecognizedClientException", 400)
    assert refused(client(server, "sts", stranger, "x").get_caller_identity) == ("InvalidClientTokenId", 403)
    assert refused(client(server, "s3", stranger, "x").list_buckets) == ("InvalidAccessKeyId", 403)


def test_a_wrong_secret_is_an_invalid_signature(server: Server) -> None:
    key, wrong = server.access_key_id, server.secret_access_key + "x"
    assert refused(client(server, "sagemaker", key, wrong).list_processing_jobs) == (
        "InvalidSignatureException", 400)
    assert refused(client(server, "sts", key, wrong).get_caller_identity) == ("SignatureDoesNotMatch", 403)
    assert refused(client(server, "s3", key, wrong).list_buckets) == ("SignatureDoesNotMatch", 403)


def test_a_signed_body_cannot_be_swapped(server: Server) -> None:
    """The signature covers the body: the same headers with another body are refused."""
    sagemaker = server.client("sagemaker")
    captured: dict[str, Any] = {}
    sagemaker.meta.events.register("before-send.sagemaker.ListProcessingJobs",
                                   lambda request, **_: captured.update(headers=dict(request.headers)))
    sagemaker.list_processing_jobs(MaxResults=1)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in captured["headers"].items()}
    status, body = raw_post(server.url, headers, b'{"MaxResults": 2}')
    assert (status, json.loads(body)["__type"]) == (400, "InvalidSignatureException")


def test_the_generated_keys_are_this_users_only_and_print_env_exports_them(server: Server) -> None:
    assert stat.S_IMODE((server.state / "credentials.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(server.state.stat().st_mode) == 0o700
    printed = subprocess.run([*SERVE, "--print-env", "--state-dir", str(server.state)],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert f"export AWS_ENDPOINT_URL={server.url}\n" in printed
    assert f"export AWS_ACCESS_KEY_ID={server.access_key_id}\n" in printed
    assert f"export AWS_SECRET_ACCESS_KEY={server.secret_access_key}\n" in printed
    assert "export AWS_REGION=us-east-1\n" in printed
    config = server.state / "sdk-config.yaml"
    assert f"export SAGEMAKER_USER_CONFIG_OVERRIDE={config}\n" in printed
    assert "DefaultS3Bucket: sagemaker-local" in config.read_text()


def test_a_non_loopback_address_needs_allow_remote(tmp_path: Any) -> None:
    result = subprocess.run([*SERVE, "--host", "0.0.0.0", "--port", "0",
                             "--state-dir", str(tmp_path / "state")], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "run code" in result.stderr


def test_jobs_never_get_the_servers_keys_except_through_the_credentials_endpoint(server: Server) -> None:
    sagemaker = server.client("sagemaker")
    name = unique("nokeys")
    dump = "import os; [print(f'{k}={v}') for k, v in sorted(os.environ.items())]"
    sagemaker.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": BASE_IMAGE, "ContainerEntrypoint": ["python3", "-c", dump]}))
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    printed = (server.jobs / name / "hosts" / "algo-1" / "log.txt").read_text()
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:51679/credentials" in printed  # its sidecar's
    assert f"AWS_ENDPOINT_URL={server.jobs_s3_url}\n" in printed
    assert "AWS_ACCESS_KEY_ID" not in printed and "AWS_SECRET_ACCESS_KEY" not in printed
    for file in (server.jobs / name).rglob("*"):
        if file.is_file():
            assert server.secret_access_key not in file.read_text(errors="replace"), file
