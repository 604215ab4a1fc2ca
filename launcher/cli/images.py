"""`byoc build` and `byoc push`: the kit's images built from its Dockerfiles, and images pushed to ECR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.consoles import console

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(soft_wrap=True, highlight=False)


def build(
    images: Annotated[list[str], typer.Argument(help="The kit's images to build: base, sklearn, spark",
                                                show_default=False)],
    tag: Annotated[str, typer.Option(help="Tag of the built images")] = "latest",
    image_prefix: Annotated[str, typer.Option(help="Images are named PREFIX/IMAGE:TAG")] = "byoc",
    base_image: Annotated[str | None, typer.Option(
        help="The Debian-based Python 3.11 image to build FROM, e.g. python:3.11-slim-bookworm from a registry "
             "(default: the offline base byoc/offline-base:bookworm, made with debootstrap if missing)")] = None,
    ca_bundle: Annotated[Path | None, typer.Option(
        help="CA bundle for pip inside the build, passed as a BuildKit secret (default: "
             "/etc/ssl/certs/ca-certificates.crt when it exists)")] = None,
) -> None:
    """Build the kit's images from the Dockerfiles this byoc carries (no clone needed); print their names."""
    from launcher.build import BuildOptions, build_images
    from launcher.kit import locate
    from launcher.offline_base import OFFLINE_BASE

    options = BuildOptions(image_prefix=image_prefix, tag=tag, base_image=base_image or OFFLINE_BASE,
                           ca_bundle=ca_bundle)
    for name in build_images(locate(), images, options, err):
        out.print(Text(name))


def push(
    image: Annotated[str, typer.Argument(help="Local image, e.g. byoc/sklearn:latest")],
    repository: Annotated[str | None, typer.Option(help="ECR repository (default: the image's name)")] = None,
    tag: Annotated[str | None, typer.Option(help="Tag to push (default: the image's tag)")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region of the registry (env AWS_REGION)")] = None,
    account: Annotated[str | None, typer.Option(help="Registry's account (env AWS_ACCOUNT_ID; default: "
                                                     "STS GetCallerIdentity)")] = None,
    ecr_endpoint_url: Annotated[str | None, typer.Option(help="ECR API endpoint (env AWS_ENDPOINT_URL_ECR, "
                                                              "AWS_ENDPOINT_URL)")] = None,
    registry: Annotated[str | None, typer.Option(help="Push to this registry host instead of ECR's")] = None,
) -> None:
    """Push a linux/amd64 image to ECR (repository created if missing); print its URI and digest URI."""
    from launcher.push import push_image

    pushed = push_image(image, repository=repository, tag=tag, region=region, account=account,
                        ecr_endpoint_url=ecr_endpoint_url, registry=registry, console=err)
    out.print(Text(pushed.image_uri))
    out.print(Text(pushed.digest_uri))
