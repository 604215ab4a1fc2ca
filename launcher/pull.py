"""Pull the exact image a job names (its ImageUri) into the local engine, as SageMaker pulls it from ECR.

    ImageUri -> ECR login through its API (GetAuthorizationToken, region from the registry host) ->
    pull of the very reference (`@sha256:...` when the job names a digest, else its tag)

A registry that is not ECR's is pulled from without a login. `registry` replaces the host the URI names
(a mirror, or in tests a registry on 127.0.0.1 while ECR's API is a moto server), as `byoc push
--registry` does. The login stays in this process: ~/.docker/config.json is not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console

from launcher.errors import BackendError
from launcher.images import ecr_registry, parse_reference
from launcher.local.cluster import engine
from launcher.push import authorization
from launcher.sagemaker_backend.session import aws_session


class PullError(BackendError):
    """The engine could not log in to the registry or pull the image."""


@dataclass(frozen=True, slots=True)
class Pulled:
    image: str  # the local reference the engine now has, to run
    digest: str | None  # what the registry served, sha256:...


def pull_image(uri: str, *, registry: str | None = None, console: Console | None = None) -> Pulled:
    """Pull `uri` (from `registry` instead of its own host, if given); PullError or AwsError if it cannot."""
    client = engine()
    reference = parse_reference(uri)
    host = registry or reference.registry
    target = reference.with_registry(host)
    ecr = ecr_registry(uri)
    if ecr is not None:
        account, region = ecr
        proxy_host, username, password = authorization(aws_session(region).client("ecr"), account)
        _login(client, username, password, registry or proxy_host)
    if console is not None:
        console.print(f"pulling {target}", markup=False, highlight=False)
    _pull(client, f"{host}/{reference.repository}" if host else reference.repository,
          reference.digest or reference.tag or "latest")
    image = client.images.get(target)
    digests = [d.split("@", 1)[1] for d in image.attrs.get("RepoDigests", ()) if "@" in d]
    return Pulled(target, reference.digest or (digests[0] if digests else None))


def _login(client: Any, username: str, password: str, host: str) -> None:
    from docker.errors import APIError

    try:
        client.login(username=username, password=password, registry=host, reauth=True)
    except APIError as exc:
        raise PullError(f"docker login to {host} failed: {exc.explanation or exc}") from exc


def _pull(client: Any, repository: str, tag_or_digest: str) -> None:
    """Pull through the engine's event stream, whose errors (an unknown manifest, a refused login) the
    high-level call would swallow."""
    from docker.errors import APIError

    separator = "@" if tag_or_digest.startswith("sha256:") else ":"
    try:
        for event in client.api.pull(repository, tag=tag_or_digest, stream=True, decode=True):
            if "error" in event:
                raise PullError(f"pulling {repository}{separator}{tag_or_digest} failed: {event['error']}")
    except APIError as exc:
        raise PullError(f"pulling {repository}{separator}{tag_or_digest} failed: {exc.explanation or exc}") from exc
