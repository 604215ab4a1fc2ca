"""`byoc push` / `make push`: ECR (moto) for the repository and the login, a real registry for the bytes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import docker
import pytest
from typer.testing import CliRunner

from launcher.cli.app import app
from launcher.push import split_reference
from tests.conftest import REGION

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]
MOTO_ACCOUNT = "123456789012"
MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


def byoc(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def ecr_client(endpoint: str) -> Any:
    return boto3.session.Session().client("ecr", endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id="testing", aws_secret_access_key="testing")


def unique_tag() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def remove_refs(engine: docker.DockerClient, *refs: str) -> None:
    for ref in refs:
        with contextlib.suppress(docker.errors.ImageNotFound):
            engine.images.remove(ref)


def registry_has(registry: str, repository: str, digest: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{digest}",
                                     headers={"Accept": MANIFEST_TYPES}, method="HEAD")
    with opener.open(request, timeout=10) as response:
        return bool(response.status == 200)


def test_push_then_pull_by_digest_and_run(registry: str, ecr: str, engine: docker.DockerClient) -> None:
    tag = unique_tag()
    result = byoc("push", "byoc/base:latest", "--tag", tag, "--registry", registry)
    assert result.exit_code == 0, result.stderr
    image_uri, digest_uri = result.stdout.splitlines()
    assert image_uri == f"{registry}/byoc/base:{tag}"
    assert digest_uri.startswith(f"{registry}/byoc/base@sha256:")
    digest = digest_uri.split("@", 1)[1]
    assert registry_has(registry, "byoc/base", digest)
    [repository] = ecr_client(ecr).describe_repositories()["repositories"]
    assert (repository["repositoryName"], repository["registryId"]) == ("byoc/base", MOTO_ACCOUNT)  # STS's account

    remove_refs(engine, image_uri, digest_uri)
    try:
        pulled = engine.images.pull(digest_uri)
        assert pulled.id == engine.images.get("byoc/base:latest").id
        output = engine.containers.run(digest_uri, remove=True)  # raises ContainerError on a non-zero exit
        assert b"usage: docker run IMAGE JOB" in output and b"inventory" in output
    finally:
        remove_refs(engine, digest_uri)


def test_an_existing_repository_and_an_explicit_account(registry: str, ecr: str, engine: docker.DockerClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # STS must not be asked: nothing listens
    ecr_client(ecr).create_repository(repositoryName="team/base", registryId="111122223333")
    tag = unique_tag()
    result = byoc("push", "byoc/base", "--repository", "team/base", "--tag", tag, "--account", "111122223333",
                  "--registry", registry)
    try:
        assert result.exit_code == 0, result.stderr
        assert result.stdout.splitlines()[0] == f"{registry}/team/base:{tag}"
        assert len(ecr_client(ecr).describe_repositories(registryId="111122223333")["repositories"]) == 1
    finally:
        remove_refs(engine, f"{registry}/team/base:{tag}")


@pytest.fixture(scope="module")
def arm64_image() -> Iterator[str]:
    """A linux/arm64 image made without emulation: FROM scratch plus one file (BuildKit, Debian's CLI)."""
    name = f"byoc-test/arm64:{uuid.uuid4().hex[:8]}"
    context = Path(__file__).parent / "arm64"
    build = subprocess.run(["/usr/bin/docker", "build", "-q", "--platform", "linux/arm64", "-t", name, str(context)],
                           env={**os.environ, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    yield name
    remove_refs(docker.from_env(), name)


def test_an_image_that_is_not_linux_amd64_is_refused(arm64_image: str, registry: str, ecr: str) -> None:
    result = byoc("push", arm64_image, "--registry", registry)
    assert result.exit_code == 2
    assert "is linux/arm64, but SageMaker Processing runs linux/amd64 only" in result.stderr
    assert ecr_client(ecr).describe_repositories()["repositories"] == []  # refused before any AWS call


def test_unknown_image_and_bad_names_are_refused_before_aws(registry: str, ecr: str) -> None:
    missing = byoc("push", "byoc/nope:latest", "--registry", registry)
    assert missing.exit_code == 2 and "'byoc/nope:latest' is not in the local Docker engine" in missing.stderr
    bad = byoc("push", "byoc/base", "--repository", "Byoc/Base", "--registry", registry)
    assert bad.exit_code == 2 and "'Byoc/Base' is not a valid ECR repository name" in bad.stderr
    assert ecr_client(ecr).describe_repositories()["repositories"] == []


@pytest.mark.parametrize(("image", "expected"), [
    ("byoc/sklearn", ("byoc/sklearn", "latest")),
    ("byoc/sklearn:1.2", ("byoc/sklearn", "1.2")),
    ("127.0.0.1:5000/byoc/base:t", ("byoc/base", "t")),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/byoc/base", ("byoc/base", "latest")),
    ("byoc/base@sha256:abc", ("byoc/base", None)),
])
def test_split_reference(image: str, expected: tuple[str, str | None]) -> None:
    assert split_reference(image) == expected


def test_make_push_runs_byoc_push(registry: str, ecr: str, engine: docker.DockerClient) -> None:
    tag = unique_tag()  # TAG names the local image (as for `make build`) and the pushed one
    engine.images.get("byoc/base:latest").tag("byoc/base", tag)
    # -o: never reinstall the venv from here, whatever the timestamps say.
    command = ["make", "-o", ".venv/.installed", "push", "IMAGE=base", f"TAG={tag}", f"REGISTRY={registry}"]
    make = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    try:
        assert make.returncode == 0, make.stderr
        lines = make.stdout.splitlines()  # make echoes its command lines to stdout too
        image_uri = f"{registry}/byoc/base:{tag}"
        assert image_uri in lines, make.stdout
        digests = [line for line in lines if line.startswith(f"{registry}/byoc/base@sha256:")]
        assert len(digests) == 1 and lines.index(digests[0]) == lines.index(image_uri) + 1, make.stdout
    finally:
        remove_refs(engine, f"{registry}/byoc/base:{tag}", f"byoc/base:{tag}")
    usage = subprocess.run(["make", "-o", ".venv/.installed", "push"], cwd=REPO, capture_output=True, text=True,
                           check=False)
    assert usage.returncode != 0 and "usage: make push IMAGE=<name>" in usage.stderr
    listed = subprocess.run(["make", "help"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "push/%" in listed and "push-all" in listed
