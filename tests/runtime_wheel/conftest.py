"""The runtime's wheel as users get it, and foreign images that install it.

The wheel is built once per session by the Makefile's own recipe (`make wheel` into a temporary folder).
The foreign images start from Debian's own Pythons, debootstrapped here (no registry is reachable), with
none of the kit's files: the wheel goes in by the README's two recipes (images/*.Dockerfile), built with
BuildKit once per session and untagged at its end (their layers stay cached in the engine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from launcher.local.cluster import LABEL_JOB

REPO = Path(__file__).resolve().parents[2]
IMAGES = Path(__file__).parent / "images"
# Debian's CLI builds with BuildKit (RUN --mount) on an engine without buildx; the Makefile uses it too.
DOCKER = "/usr/bin/docker"


@dataclass(frozen=True)
class ForeignBase:
    """A Debian release's python3 and nothing else, made by containers/offline-base.sh."""

    image: str
    python: tuple[int, int]
    make_target: str


BASES = {
    "bullseye": ForeignBase("byoc/offline-base:bullseye", (3, 9), "make offline-base/bullseye"),  # the oldest supported
    "bookworm": ForeignBase("byoc/offline-base:bookworm", (3, 11), "make offline-base"),
    "trixie": ForeignBase("byoc/offline-base:trixie", (3, 13), "make offline-base/trixie"),  # the newest here
}
RECIPES = ("pip", "unpack")


def project_version(pyproject: Path) -> str:
    version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    assert isinstance(version, str)
    return version


def kit_version() -> str:
    return project_version(REPO / "pyproject.toml")


def make_wheel(outdir: Path) -> Path:
    """The Makefile's `wheel` recipe, writing into `outdir` instead of build/wheels/."""
    result = subprocess.run(["make", "--no-print-directory", "wheel", f"RUNTIME_WHEEL_DIR={outdir}"], cwd=REPO,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = sorted(outdir.glob("byoc_runtime-*.whl"))
    assert len(wheels) == 1, f"make wheel left {wheels} in {outdir}"
    return wheels[0]


@pytest.fixture(scope="session")
def runtime_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_wheel(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="session")
def foreign_image(runtime_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], str]]:
    """`foreign_image(base, recipe)`: the tag of BASES[base] with the wheel installed by images/<recipe>.Dockerfile."""
    context = tmp_path_factory.mktemp("context")
    (context / "wheels").mkdir()
    shutil.copy(runtime_wheel, context / "wheels")
    session = uuid.uuid4().hex[:8]
    client = docker.from_env()
    built: dict[tuple[str, str], str] = {}

    def image(base: str, recipe: str) -> str:
        if (base, recipe) not in built:
            source = BASES[base]
            try:
                client.images.get(source.image)
            except docker.errors.ImageNotFound:
                pytest.fail(f"image {source.image} is missing: run `{source.make_target}` (make test builds it)")
            tag = f"byoc-test/runtime-{base}-{recipe}:{session}"
            build = subprocess.run(
                [DOCKER, "build", "-q", "--platform", "linux/amd64", "--build-arg", f"BASE_IMAGE={source.image}",
                 "-f", str(IMAGES / f"{recipe}.Dockerfile"), "-t", tag, str(context)],
                env={**os.environ, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True, timeout=300, check=False)
            assert build.returncode == 0, f"building {tag} failed:\n{build.stderr}"
            built[base, recipe] = tag
        return built[base, recipe]

    yield image
    for tag in built.values():
        client.images.remove(tag)


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Iterator[Path]:
    """The local backend's job folders for this test; none of its jobs' containers or networks may outlive it."""
    folder = tmp_path / "jobs"
    yield folder
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    client = docker.from_env()
    containers, networks = [], []
    for name in names:
        selector = {"label": f"{LABEL_JOB}={name}"}
        containers += client.containers.list(all=True, filters=selector)
        networks += client.networks.list(filters=selector)
    for container in containers:
        container.remove(force=True)
    for network in networks:
        network.remove()
    assert not containers and not networks, f"left behind: {containers} {networks}"
