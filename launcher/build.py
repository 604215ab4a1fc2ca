"""How one of the kit's images is built: the one recipe, used by `byoc build` and by a clone's `make build`.

    docker build --platform linux/amd64 --build-arg BASE_IMAGE=<base>
                 [--secret id=ca_bundle,src=<CA bundle>]
                 --label byoc.context=<digest of what it is built from (build_context.py)>
                 -f containers/<image>/Dockerfile -t <prefix>/<image>:<tag> <the kit's folder>

with BuildKit (DOCKER_BUILDKIT=1), which the Dockerfiles' `RUN --mount` needs. The kit's folder is the
installed wheel's copy of the build context, or the clone (launcher/kit.py). The CA bundle goes in as a
build secret, never a layer, so pip inside the build trusts a TLS-intercepting proxy. The base is the
offline Debian base, made first if missing (launcher/offline_base.py), unless another is named
(`python:3.11-slim-bookworm` from a registry: docker pulls it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from launcher.build_context import CONTEXT_LABEL, context_digest
from launcher.errors import BuildError, UsageError
from launcher.kit import Kit
from launcher.local.cluster import engine
from launcher.offline_base import OFFLINE_BASE, make_offline_base

DEFAULT_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Debian's docker CLI builds with BuildKit on engines without buildx; another CLI first on PATH may not.
DEBIAN_DOCKER = Path("/usr/bin/docker")
DOCKER_ENV = "DOCKER_BUILD"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    image_prefix: str = "byoc"
    tag: str = "latest"
    base_image: str = OFFLINE_BASE
    ca_bundle: Path | None = None  # None: DEFAULT_CA_BUNDLE when it exists, else no secret

    def image_name(self, image: str) -> str:
        return f"{self.image_prefix}/{image}:{self.tag}"


def docker_cli() -> str:
    """$DOCKER_BUILD, else Debian's /usr/bin/docker, else the first `docker` on PATH (as the Makefile chooses)."""
    chosen = os.environ.get(DOCKER_ENV)
    if chosen:
        return chosen
    if os.access(DEBIAN_DOCKER, os.X_OK):
        return str(DEBIAN_DOCKER)
    found = shutil.which("docker")
    if found is None:
        raise BuildError(f"no docker command found (set {DOCKER_ENV} to one, or install Docker)")
    return found


def build_command(kit: Kit, image: str, options: BuildOptions, docker: str) -> list[str]:
    """The `docker build` command line for one of the kit's images."""
    secret = []
    ca_bundle = options.ca_bundle or (DEFAULT_CA_BUNDLE if DEFAULT_CA_BUNDLE.is_file() else None)
    if ca_bundle is not None:
        secret = ["--secret", f"id=ca_bundle,src={ca_bundle}"]
    dockerfile = kit.dockerfile(image)
    label = f"{CONTEXT_LABEL}={context_digest(dockerfile, kit.root)}"  # what `byoc doctor` checks it against
    return [docker, "build", "--platform", "linux/amd64", "--build-arg", f"BASE_IMAGE={options.base_image}",
            *secret, "--label", label, "-f", str(dockerfile), "-t", options.image_name(image), str(kit.root)]


def check_request(kit: Kit, images: list[str], options: BuildOptions) -> None:
    """Refuse an unknown image or a CA bundle that is not a file before anything runs."""
    known = kit.images()
    unknown = [name for name in images if name not in known]
    if unknown:
        raise UsageError(f"unknown image {', '.join(map(repr, unknown))}: the kit's images are {', '.join(known)}")
    if options.ca_bundle is not None and not options.ca_bundle.is_file():
        raise UsageError(f"--ca-bundle {options.ca_bundle}: no such file")


def build_images(kit: Kit, images: list[str], options: BuildOptions, err: Console) -> list[str]:
    """Build each image in turn (docker's progress on stderr); the names built, or a BuildError."""
    check_request(kit, images, options)
    kit.runtime_wheel()  # a clone without `make wheel`: say so before docker does
    docker = docker_cli()
    client = engine()
    if not _present(client, options.base_image):
        if options.base_image == OFFLINE_BASE:
            make_offline_base(kit, docker, err)
        else:
            err.print(Text(f"byoc: the base image {options.base_image} is not in the local engine: docker pulls it",
                           style="yellow"))
    built = []
    for image in images:
        name = options.image_name(image)
        err.print(Text(f"byoc: building {name} from {kit.dockerfile(image)}", style="dim"))
        result = subprocess.run(build_command(kit, image, options, docker), stdout=sys.stderr,
                                env={**os.environ, "DOCKER_BUILDKIT": "1"}, check=False)
        if result.returncode != 0:
            raise BuildError(f"docker build of {name} failed (exit {result.returncode}): its output is above")
        built.append(name)
    return built


def _present(client: Any, image: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True
