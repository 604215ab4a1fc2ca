"""`byoc check` tests: deliberately broken images built from tests/check/images, and the kit's own images.

The broken images are built once per session from the kit's base image (no registry needed) and removed
at its end. The arm64 one is FROM scratch, built by BuildKit for linux/arm64: nothing in it runs, so
no emulator is needed to make it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.check.layers import HOST_CA_BUNDLE
from launcher.local.cluster import KIT, LABEL_JOB, LABEL_KIT
from tests.containers.conftest import image_tag
from tests.launcher.conftest import byoc
from tests.launcher.remote_engine import RemoteEngine, remote_engine

IMAGES = Path(__file__).parent / "images"
CHECK_TIMEOUT = 900


def fake_secrets(folder: Path) -> None:
    """Made-up credentials of the real shapes, written at build time so the repository holds none."""
    key_id = "AKIA" + base64.b32encode(os.urandom(10)).decode()[:16]
    secret = base64.b64encode(os.urandom(30)).decode()
    (folder / "fake-credentials").write_text(
        f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    body = base64.encodebytes(os.urandom(600)).decode()
    (folder / "fake-key.pem").write_text(f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n")
    shutil.copyfile(HOST_CA_BUNDLE, folder / "ca-bundle.crt")  # what a careless `COPY` of the host's trust does


class BrokenImages:
    """Builds `<name>.Dockerfile` of tests/check/images on first use; every image is removed at the end."""

    def __init__(self, context: Path) -> None:
        self.context = context
        self.client = docker.from_env()
        self.built: dict[str, str] = {}
        self.suffix = uuid.uuid4().hex[:8]

    def __call__(self, name: str) -> str:
        if name not in self.built:
            tag = f"byoc-test/check-{name}:{self.suffix}"
            if name == "arm64":
                build = subprocess.run(["/usr/bin/docker", "build", "-q", "--platform", "linux/arm64", "-t", tag,
                                        str(self.context / "arm64")], capture_output=True, text=True, check=False,
                                       env={**os.environ, "DOCKER_BUILDKIT": "1"})
                assert build.returncode == 0, build.stderr
            else:
                self.client.images.build(path=str(self.context), dockerfile=f"{name}.Dockerfile", tag=tag, rm=True,
                                         buildargs={"BASE_IMAGE": image_tag("base")})
            self.built[name] = tag
        return self.built[name]

    def remove(self) -> None:
        for tag in self.built.values():
            self.client.images.remove(tag, force=True)


@pytest.fixture(scope="session")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokenImages]:
    context = tmp_path_factory.mktemp("check-images")
    shutil.copytree(IMAGES, context, dirs_exist_ok=True)
    fake_secrets(context)
    images = BrokenImages(context)
    yield images
    images.remove()


@pytest.fixture(scope="session")
def second_engine() -> Iterator[RemoteEngine]:
    """A Docker engine that sees none of this machine's folders (dockerd in a container), holding the base image."""
    with remote_engine((image_tag("base"),)) as engine:
        yield engine


def check_containers() -> set[str]:
    """Containers and networks of `byoc check` runs (its jobs are named byoc-check-...) and its probes."""
    client = docker.from_env()
    # The plain listing (no inspect per container): other tests' containers may go while it is read.
    found = {c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters={"label": f"{LABEL_KIT}={KIT}"})
             if (c.get("Labels") or {}).get(LABEL_JOB, "").startswith("byoc-check-") or "byoc.check" in
             (c.get("Labels") or {})}
    found |= {n.name for n in client.networks.list(filters={"label": f"{LABEL_KIT}={KIT}"})
              if (n.attrs.get("Labels") or {}).get(LABEL_JOB, "").startswith("byoc-check-")}
    return found


def check(tmp_path: Path, image: str, *args: str, timeout: float = CHECK_TIMEOUT) -> tuple[int, dict[str, Any], str]:
    """`byoc check IMAGE --json ...` as a user runs it: exit code, the report, stderr. Its temporary folder
    (under TMPDIR, here tmp_path) and every container and network it made must be gone afterwards."""
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    before = check_containers()
    result = byoc("check", image, "--json", *args, env={"TMPDIR": str(temporary)}, timeout=timeout)
    assert result.returncode in (0, 1), result.stderr
    left = check_containers() - before
    assert not left, f"byoc check left behind: {left}"
    assert not list(temporary.iterdir()), f"byoc check left files: {list(temporary.iterdir())}"
    report = json.loads(result.stdout)
    return result.returncode, report, result.stderr


def results(report: dict[str, Any]) -> dict[str, tuple[str, str, str | None]]:
    """rule -> (result, seen, fix)."""
    return {rule["rule"]: (rule["result"], rule["seen"], rule["fix"]) for rule in report["rules"]}
