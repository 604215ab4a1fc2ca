"""Which local image runs a job that names an image by its registry URI: `byoc serve` and `byoc replay`.

`ImageResolver` is the endpoint's order:
    1. a user mapping (`--image-map URI_OR_REPOSITORY=local:tag`, or the images file), the exact URI first
    2. the ImageUri itself, when the local engine has it
    3. AWS's own processing images as `sagemaker.image_uris.retrieve` computes them, any region, account and
       version (`default_mapping`): repository `sagemaker-scikit-learn` -> byoc/sklearn:latest,
       `sagemaker-spark-processing` -> byoc/spark:latest
    4. otherwise unknown: the job is created and fails with a ClientError naming the image and the ways out
Replay (launcher/replay.py) tries to pull the exact image between 2 and 3, with `parse_reference` and
`ecr_registry`. No I/O here but the images file: whether an image is in the engine is the caller's to say.

Each mapping is announced once per process (`notice`), not once per job.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from launcher.errors import UsageError

DEFAULT_MAPPINGS: Mapping[str, str] = {
    "sagemaker-scikit-learn": "byoc/sklearn:latest",
    "sagemaker-spark-processing": "byoc/spark:latest",
}
# `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`: an ECR registry, whose login needs the ECR API.
_ECR_HOST = re.compile(r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?")


@dataclass(frozen=True, slots=True)
class Reference:
    """An image reference split as the registry sees it: `registry/repository` then `@digest` or `:tag`."""

    registry: str | None
    repository: str
    tag: str | None = None
    digest: str | None = None

    def with_registry(self, registry: str | None) -> str:
        """The reference with another registry host (None: Docker Hub's), tag or digest kept."""
        name = f"{registry}/{self.repository}" if registry else self.repository
        if self.digest is not None:
            return f"{name}@{self.digest}"
        return f"{name}:{self.tag or 'latest'}"


def parse_reference(uri: str) -> Reference:
    """`acct.dkr.ecr.region.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3` -> its registry, repository,
    tag and digest; the first part is a registry host only if it has a dot or a port, or is localhost."""
    name, _, digest = uri.partition("@")
    first, _, rest = name.partition("/")
    registry = first if rest and ("." in first or ":" in first or first == "localhost") else None
    path = rest if registry else name
    tag = None
    if ":" in path.rsplit("/", 1)[-1]:
        path, tag = path.rsplit(":", 1)
    return Reference(registry, path, tag, digest or None)


def repository_of(uri: str) -> str:
    """The repository of an image URI: the path after the registry host, without tag or digest."""
    return parse_reference(uri).repository


def ecr_registry(uri: str) -> tuple[str, str] | None:
    """(account, region) of an ECR registry URI, else None."""
    registry = parse_reference(uri).registry
    match = _ECR_HOST.fullmatch(registry or "")
    return (match["account"], match["region"]) if match else None


def default_mapping(uri: str) -> str | None:
    """The kit's image that stands in for AWS's own processing image `uri`, if it is one (in a registry)."""
    reference = parse_reference(uri)
    if reference.registry is None:
        return None
    return DEFAULT_MAPPINGS.get(reference.repository.rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True)
class Resolution:
    """The local image to run for `requested`; `rule` says why (None when it runs as is)."""

    requested: str
    image: str
    rule: str | None
    known: bool = True

    def failure_hint(self) -> str:
        repository = repository_of(self.requested)
        return (f"image {self.requested!r} is neither in the local Docker engine nor mapped: build it under that "
                f"name (`docker build -t {self.requested} ...`, `docker tag`), or map it to a local image with "
                f"`byoc serve --image-map {repository}=<local image:tag>` (or a line `{repository}: <local "
                "image:tag>` in the images file)")


def parse_mapping(text: str) -> tuple[str, str]:
    """`URI_OR_REPOSITORY=local:tag` from the command line."""
    source, sep, target = text.partition("=")
    if not sep or not source.strip() or not target.strip():
        raise UsageError(f"--image-map {text!r}: expected URI_OR_REPOSITORY=LOCAL_IMAGE, e.g. "
                            "my-repo=my-image:latest")
    return source.strip(), target.strip()


def load_images_file(path: Path) -> dict[str, str]:
    """The images file: a YAML mapping of URI or repository to local image."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"images file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise UsageError(f"images file {path}: not YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise UsageError(f"images file {path}: expected lines `URI_OR_REPOSITORY: local-image:tag`")
    return dict(data)


class ImageResolver:
    def __init__(self, mappings: Mapping[str, str], is_local: Callable[[str], bool],
                 notice: Callable[[str], None]) -> None:
        self._mappings = dict(mappings)
        self._is_local = is_local
        self._notice = notice
        self._announced: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]], images_file: Path | None, is_local: Callable[[str], bool],
              notice: Callable[[str], None]) -> ImageResolver:
        mappings = load_images_file(images_file) if images_file is not None and images_file.exists() else {}
        mappings.update(pairs)
        return cls(mappings, is_local, notice)

    def resolve(self, uri: str) -> Resolution:
        repository = repository_of(uri)
        for key, rule in ((uri, "--image-map"), (repository, "--image-map")):
            if key in self._mappings:
                return self._announce(Resolution(uri, self._mappings[key], f"{rule} {key}"))
        if self._is_local(uri):
            return Resolution(uri, uri, None)
        mapped = default_mapping(uri)
        if mapped is not None:
            name = repository.rsplit("/", 1)[-1]
            return self._announce(Resolution(uri, mapped, f"AWS's {name} image"))
        return Resolution(uri, uri, None, known=False)

    def _announce(self, resolution: Resolution) -> Resolution:
        with self._lock:
            first = resolution.requested not in self._announced
            self._announced.add(resolution.requested)
        if first:
            self._notice(f"image {resolution.requested} runs as {resolution.image} ({resolution.rule})")
        return resolution
