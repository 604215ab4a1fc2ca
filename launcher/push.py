"""Push a local image to Amazon ECR, where SageMaker pulls it from: `byoc push`, `make push/<name>`.

    local image (linux/amd64 only) -> ECR repository (created if missing) -> docker login with
    GetAuthorizationToken -> tag <registry>/<repository>:<tag> -> push -> URI and digest

The account is `--account`, else $AWS_ACCOUNT_ID, else STS GetCallerIdentity. boto3 resolves the
endpoints (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), and `--registry` replaces
the registry host ECR names, so tests push to a registry on 127.0.0.1 with ECR served by moto.
The login goes through the Docker SDK and stays in this process: ~/.docker/config.json is not written.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from launcher.errors import BackendError, UsageError
from launcher.local.cluster import SAGEMAKER_ARCHITECTURE, engine
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.session import aws_session

ACCOUNT_ENV = "AWS_ACCOUNT_ID"
# ECR's own rules (CreateRepository, PutImage); checked first so a typo fails before any AWS call.
REPOSITORY_PATTERN = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
TAG_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
ACCOUNT_PATTERN = re.compile(r"\d{12}")


class PushError(BackendError):
    """The engine or the registry refused the login or the push."""


class PushUsageError(UsageError):
    """A bad image, repository, tag or account: nothing was sent."""


@dataclass(frozen=True, slots=True)
class PushResult:
    image_uri: str  # <registry>/<repository>:<tag>, for a job's image_uri
    digest: str  # sha256:..., what the registry stored

    @property
    def digest_uri(self) -> str:
        """`<registry>/<repository>@sha256:...`: the exact bytes, whatever the tag points at later."""
        return f"{self.image_uri.rsplit(':', 1)[0]}@{self.digest}"


def push_image(image: str, *, repository: str | None = None, tag: str | None = None, region: str | None = None,
               account: str | None = None, ecr_endpoint_url: str | None = None, registry: str | None = None,
               console: Console | None = None) -> PushResult:
    """Push `image` (a local name or id) to ECR and return where it went."""
    docker_client = engine()
    local = _local_image(docker_client, image)
    check_platform(image, local.attrs)
    default_repository, default_tag = split_reference(image)
    repository, tag = repository or default_repository, tag or default_tag
    if tag is None:
        raise PushUsageError(f"image {image!r} names no tag to reuse: pass --tag")
    _check_names(repository, tag)
    session = aws_session(region)
    account = account or os.environ.get(ACCOUNT_ENV) or caller_account(session)
    if not ACCOUNT_PATTERN.fullmatch(account):
        raise PushUsageError(f"account {account!r} is not a 12-digit AWS account id")
    ecr = session.client("ecr", endpoint_url=ecr_endpoint_url)
    ensure_repository(ecr, repository, account)
    proxy_host, username, password = authorization(ecr, account)
    host = registry or proxy_host
    _login(docker_client, username, password, host)
    target = f"{host}/{repository}"
    local.tag(target, tag)
    if console is not None:
        console.print(f"pushing {image} to {target}:{tag}", highlight=False)
    return PushResult(f"{target}:{tag}", _push(docker_client, target, tag, console))


def check_platform(image: str, attrs: dict[str, Any]) -> None:
    """SageMaker Processing instances are all x86_64: refuse anything but linux/amd64 before pushing."""
    platform = f"{attrs.get('Os')}/{attrs.get('Architecture')}"
    if platform != f"linux/{SAGEMAKER_ARCHITECTURE}":
        raise PushUsageError(
            f"image {image!r} is {platform}, but SageMaker Processing runs linux/amd64 only: "
            "rebuild it with `--platform linux/amd64` (`make build/<name>` does)"
        )


def split_reference(image: str) -> tuple[str, str | None]:
    """`byoc/sklearn:1` -> (`byoc/sklearn`, `1`): a registry host is dropped, the tag defaults to latest,
    and a digest reference (`name@sha256:...`) has no tag."""
    name, _, digest = image.partition("@")
    match = re.fullmatch(r"(?P<repo>.+?)(?::(?P<tag>[^:/]+))?", name)
    repo, tag = (match["repo"], match["tag"]) if match else (name, None)
    first, _, rest = repo.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        repo = rest
    return repo, tag or (None if digest else "latest")


def caller_account(session: Any) -> str:
    with aws_errors("GetCallerIdentity"):
        account: str = session.client("sts").get_caller_identity()["Account"]
    return account


def ensure_repository(ecr: Any, repository: str, account: str) -> None:
    """Create the repository; one that already exists is fine."""
    with aws_errors("CreateRepository", ignore=("RepositoryAlreadyExistsException",)):
        ecr.create_repository(repositoryName=repository, registryId=account)


def authorization(ecr: Any, account: str) -> tuple[str, str, str]:
    """(registry host, user, password) from GetAuthorizationToken; the token is base64 `AWS:<password>`."""
    with aws_errors("GetAuthorizationToken"):
        data = ecr.get_authorization_token(registryIds=[account])["authorizationData"][0]
    username, _, password = base64.b64decode(data["authorizationToken"]).decode("utf-8").partition(":")
    return data["proxyEndpoint"].removeprefix("https://").rstrip("/"), username, password


def _local_image(docker_client: Any, image: str) -> Any:
    from docker.errors import ImageNotFound

    try:
        return docker_client.images.get(image)
    except ImageNotFound:
        raise PushUsageError(f"image {image!r} is not in the local Docker engine: build it (`make build`)") from None


def _check_names(repository: str, tag: str) -> None:
    if not REPOSITORY_PATTERN.fullmatch(repository) or not 2 <= len(repository) <= 256:
        raise PushUsageError(f"repository {repository!r} is not a valid ECR repository name (lower-case "
                             "letters, digits and . _ - /, 2 to 256 characters)")
    if not TAG_PATTERN.fullmatch(tag):
        raise PushUsageError(f"tag {tag!r} is not a valid image tag (letters, digits, _ . -, at most 128)")


def _login(docker_client: Any, username: str, password: str, host: str) -> None:
    from docker.errors import APIError

    try:
        docker_client.login(username=username, password=password, registry=host, reauth=True)
    except APIError as exc:
        raise PushError(f"docker login to {host} failed: {exc.explanation or exc}") from exc


def _push(docker_client: Any, target: str, tag: str, console: Console | None) -> str:
    """Push and return the digest the registry reported; a failure in the stream is an error."""
    from docker.errors import APIError

    digest = None
    try:
        for event in docker_client.images.push(target, tag=tag, stream=True, decode=True):
            if "error" in event:
                raise PushError(f"pushing {target}:{tag} failed: {event['error']}")
            digest = event.get("aux", {}).get("Digest", digest)
            status = str(event.get("status", ""))
            done = status in ("Pushed", "Layer already exists") or status.startswith("Mounted from")
            if console is not None and done:
                console.print(f"  layer {event.get('id')}: {status}", highlight=False)
    except APIError as exc:
        raise PushError(f"pushing {target}:{tag} failed: {exc.explanation or exc}") from exc
    if digest is None:
        raise PushError(f"pushing {target}:{tag} ended without a digest from the registry")
    return str(digest)
