"""`byoc doctor` on this machine: the real engine, the kit's real images, the credentials endpoint reached from
a real container; stale, missing and foreign-platform images and a short disk, each with its fix."""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.build_context import CONTEXT_LABEL, build_inputs, context_digest
from launcher.doctor.machine import disk_check, image_check
from launcher.kit import Kit, locate
from launcher.offline_base import OFFLINE_BASE
from tests.doctor.lines import read
from tests.launcher.conftest import BASE_IMAGE, byoc


def test_this_machine_one_line_per_check(tmp_path: Path) -> None:
    result = byoc("doctor", "--jobs-dir", str(tmp_path / "jobs"), timeout=300)
    assert not result.stderr, result.stderr
    checks = read(result.stdout)
    images = [f"image byoc/{name}" for name in locate().images()]
    assert list(checks) == ["engine", "storage driver", *images, "disk", "credentials endpoint"]
    engine = docker.from_env()
    version, info = engine.version(), engine.info()
    assert checks["engine"].detail == (f"Docker {version['Version']} (API {version['ApiVersion']}) on "
                                       f"{version['Os']}/{version['Arch']}")
    assert checks["storage driver"].detail == f"{info['Driver']}, data in {info['DockerRootDir']}"
    assert checks["disk"].ok and checks["disk"].detail.endswith(f" GiB for {tmp_path / 'jobs'}")
    endpoint = checks["credentials endpoint"]
    assert endpoint.ok, endpoint  # a sidecar serves the probe key on the host's loopback
    assert endpoint.detail == "http://127.0.0.1:51679/credentials answers a job's container (from its sidecar)"
    # The images are shared and rebuilt from other checkouts: whichever way each went, its line says which.
    for name in images:
        assert checks[name].ok == (checks[name].fix is None)
    assert result.returncode == (0 if all(line.ok for line in checks.values()) else 1)
    left = engine.containers.list(all=True, filters={"label": "byoc.job"})
    assert not [c for c in left if c.labels["byoc.job"].startswith("doctor-")]


@pytest.fixture
def prefix() -> Iterator[str]:
    """An image prefix of this test's own (the shared byoc/* tags are never touched); its images are removed."""
    name = f"byoc-test-doctor-{uuid.uuid4().hex[:8]}"
    yield name
    engine = docker.from_env()
    # By tag, never by id: an unlabelled build of `FROM x` is x itself, and removing that id would take x's
    # own tags (the kit's base images) with it.
    for image in engine.images.list(name=f"{name}/base"):
        for tag in image.tags:
            if tag.startswith(f"{name}/"):
                engine.images.remove(tag)


def labelled(prefix: str, digest: str | None, base: str = BASE_IMAGE) -> None:
    """<prefix>/base:latest: `base` plus a context label, as `byoc build` labels an image (no context needed)."""
    label = f"LABEL {CONTEXT_LABEL}={digest}\n" if digest is not None else ""
    dockerfile = io.BytesIO(f"FROM {base}\n{label}".encode())
    docker.from_env().images.build(fileobj=dockerfile, tag=f"{prefix}/base:latest", rm=True)


def kit_copy(root: Path) -> Kit:
    """A copy of the kit's build context for the base image."""
    kit = locate()
    for path in build_inputs(kit.dockerfile("base"), kit.root):
        target = root / path.relative_to(kit.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return Kit(root, installed=False)


def test_an_image_is_current_exactly_when_built_from_what_the_kit_holds(prefix: str, tmp_path: Path) -> None:
    engine = docker.from_env()
    kit = kit_copy(tmp_path / "kit")
    labelled(prefix, context_digest(kit.dockerfile("base"), kit.root))
    os.utime(kit.dockerfile("base"), (0, 0))  # times say nothing: the same bytes are the same image
    current = image_check(engine, kit, "base", prefix=prefix)
    assert current.ok, current
    assert current.detail.startswith("linux/amd64, built ")
    assert current.detail.endswith(", from containers/base/Dockerfile and what it copies as they are now")
    copied = next(p for p in (tmp_path / "kit" / "entrypoints").rglob("*.py"))
    copied.write_text(copied.read_text() + "\n# changed\n")
    stale = image_check(engine, kit, "base", prefix=prefix)
    assert not stale.ok
    assert stale.detail.endswith(", from other files than containers/base/Dockerfile and what it copies hold now")
    assert stale.fix == "make build/base (or byoc build base)"
    assert image_check(engine, Kit(kit.root, installed=True), "base", prefix=prefix).fix == "byoc build base"


def test_an_image_not_built_by_byoc_build_cannot_be_told_current(prefix: str) -> None:
    labelled(prefix, None, base=OFFLINE_BASE)
    check = image_check(docker.from_env(), locate(), "base", prefix=prefix)
    assert not check.ok
    assert f"with no {CONTEXT_LABEL} label: not built by `byoc build`" in check.detail


def test_a_missing_image_and_a_short_disk(tmp_path: Path) -> None:
    engine = docker.from_env()
    prefix = f"byoc-test-doctor-{uuid.uuid4().hex[:8]}"
    missing = image_check(engine, locate(), "base", prefix=prefix)
    assert (missing.ok, missing.detail) == (False, f"{prefix}/base:latest is not in the engine")
    total = shutil.disk_usage(tmp_path).total
    short = disk_check(tmp_path / "jobs", min_free=total + 1)
    assert not short.ok and short.detail.endswith("each host of a local job holds its own copy of its inputs and "
                                                  "outputs")
    assert short.fix is not None and short.fix.endswith("or set BYOC_JOBS_DIR to a larger disk")


def test_an_image_for_another_platform(arm64_image: str) -> None:
    engine = docker.from_env()
    prefix = f"byoc-test-doctor-{uuid.uuid4().hex[:8]}"
    engine.images.get(arm64_image).tag(f"{prefix}/base", "latest")
    try:
        check = image_check(engine, locate(), "base", prefix=prefix)
    finally:
        engine.images.remove(f"{prefix}/base:latest")
    assert (check.ok, check.detail) == (False, f"{prefix}/base:latest is linux/arm64; SageMaker Processing runs "
                                               "linux/amd64 only")


def test_no_engine_answering(tmp_path: Path) -> None:
    result = byoc("doctor", "--jobs-dir", str(tmp_path / "jobs"), env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"})
    checks = read(result.stdout)
    assert result.returncode == 1
    assert list(checks) == ["engine", "disk"]  # what needs an engine is not checked
    engine = checks["engine"]
    assert not engine.ok and engine.detail.startswith("no Docker engine answers (")
    assert engine.fix is not None and engine.fix.startswith("start one: `make engine` installs and starts dockerd")
