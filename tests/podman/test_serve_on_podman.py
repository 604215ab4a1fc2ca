"""`byoc serve` on Podman: a job created through the endpoint runs on Podman's Docker-compatible API and calls the
endpoint's embedded S3 itself, reached at the gateway of the network the server made in Podman (Podman makes
its bridge only while a container uses it: the server keeps one there) with credentials from its sidecar."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from launcher.local.gateway import LABEL_GATEWAY
from tests.podman.conftest import PODMAN_SOCKET
from tests.serve.conftest import job_request, start_server, unique, wait_status

CALLS_S3 = ("import boto3, sys; s3 = boto3.client('s3'); "
            "s3.put_object(Bucket=sys.argv[1], Key='inside/hello.txt', Body=b'from the job on podman')")


def test_a_job_through_byoc_serve_runs_on_podman_and_calls_its_s3(tmp_path: Path, podman: Any) -> None:
    server = start_server(tmp_path / "serve", extra_env={"DOCKER_HOST": f"unix://{PODMAN_SOCKET}"})
    try:
        inside = urlsplit(server.jobs_s3_url).hostname
        assert inside not in (None, "127.0.0.1"), server.log.read_text()
        assert podman.networks.list(filters={"label": f"{LABEL_GATEWAY}=serve"}), "no gateway network in Podman"
        s3, sagemaker = server.client("s3"), server.client("sagemaker")
        bucket = unique("podman")
        s3.create_bucket(Bucket=bucket)
        name = unique("podman-calls")
        sagemaker.create_processing_job(**job_request(
            name, AppSpecification={"ImageUri": "byoc/sklearn:latest", "ContainerArguments": [bucket],
                                    "ContainerEntrypoint": ["python3", "-c", CALLS_S3]}))
        done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"}, seconds=180)
        assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
        assert s3.get_object(Bucket=bucket, Key="inside/hello.txt")["Body"].read() == b"from the job on podman"
    finally:
        assert server.stop() == 0
    assert not podman.containers.list(all=True, filters={"label": f"{LABEL_GATEWAY}=serve"})
    assert not podman.networks.list(filters={"label": f"{LABEL_GATEWAY}=serve"}), "byoc serve left its gateway network"
