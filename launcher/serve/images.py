"""Which local image runs a job that names an image by its registry URI (used by `byoc serve` and replay).

    1. a user mapping (`--image-map URI_OR_REPOSITORY=local:tag`, or the images file), the exact URI first
    2. the ImageUri itself, when the local engine has it
    3. AWS's own processing images as `sagemaker.image_uris.retrieve` computes them, any region, account and
       version: repository `sagemaker-scikit-learn` -> byoc/sklearn:latest, `sagemaker-spark-processing` ->
       byoc/spark:latest
    4. otherwise unknown: the job is created and fails with a ClientError naming the image and the ways out

Each mapping is announced once per process (`notice`), not once per job.
"""

from __future__ import annotations

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


def repository_of(uri: str) -> str:
    """`acct.dkr.ecr.region.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3` -> `sagemaker-scikit-learn`:
    the path after the registry host, without tag or digest."""
    name = uri.split("@", 1)[0]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        name = rest
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    return name


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
        if repository.rsplit("/", 1)[-1] in DEFAULT_MAPPINGS and "/" in uri:
            name = repository.rsplit("/", 1)[-1]
            return self._announce(Resolution(uri, DEFAULT_MAPPINGS[name], f"AWS's {name} image"))
        return Resolution(uri, uri, None, known=False)

    def _announce(self, resolution: Resolution) -> Resolution:
        with self._lock:
            first = resolution.requested not in self._announced
            self._announced.add(resolution.requested)
        if first:
            self._notice(f"image {resolution.requested} runs as {resolution.image} ({resolution.rule})")
        return resolution
