"""`byoc push`: images to ECR, where SageMaker pulls them from."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)


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
