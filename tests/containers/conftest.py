"""Image tests: the images `make build` made, run by the real engine through testcontainers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from testcontainers.core.container import DockerContainer

from tests.mltree import MlTree

IMAGE_PREFIX = os.environ.get("BYOC_IMAGE_PREFIX", "byoc")


def image_tag(name: str) -> str:
    """The tag `make build/<name>` gives; a missing image fails the test with the command that builds it."""
    tag = f"{IMAGE_PREFIX}/{name}:latest"
    try:
        docker.from_env().images.get(tag)
    except docker.errors.ImageNotFound:
        pytest.fail(f"image {tag} is missing: run `make build/{name}` (make test builds every image)")
    return tag


@dataclass
class Finished:
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class ContainerRun:
    """One `docker run` of an image with an /opt/ml tree from the host bind-mounted into it."""

    image: str
    tree: MlTree
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    read_only_outputs: bool = False

    def container(self) -> DockerContainer:
        container = DockerContainer(self.image)
        if self.command is not None:
            container.with_command(self.command)
        if self.entrypoint is not None:
            container.with_kwargs(entrypoint=self.entrypoint)
        for sub in ("config", "processing/input"):
            folder = self.tree.root / sub
            if folder.exists():
                container.with_volume_mapping(str(folder), f"/opt/ml/{sub}", "rw")
        for sub in ("output", "processing/output"):  # always: the host reads the results from them
            (self.tree.root / sub).mkdir(parents=True, exist_ok=True)
        container.with_volume_mapping(str(self.tree.root / "output"), "/opt/ml/output", "rw")
        container.with_volume_mapping(
            str(self.tree.root / "processing/output"),
            "/opt/ml/processing/output",
            "ro" if self.read_only_outputs else "rw",
        )
        return container

    def run(self, timeout: float = 120) -> Finished:
        container = self.container()
        container.start()
        try:
            wrapped = container.get_wrapped_container()
            status = wrapped.wait(timeout=timeout)
            return Finished(
                status["StatusCode"],
                wrapped.logs(stdout=True, stderr=False).decode(),
                wrapped.logs(stdout=False, stderr=True).decode(),
            )
        finally:
            container.stop()


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[MlTree]:
    root = tmp_path / "opt" / "ml"
    root.mkdir(parents=True)
    yield MlTree(root)
