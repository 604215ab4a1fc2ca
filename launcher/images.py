"""Which local image stands in for an image a job names by its registry URI, when that image is not here.

AWS's own processing images, as the SDKs compute them (`image_uris.retrieve` for sklearn and Spark
processing: any registry account, region and version), are stood in for by the kit's images built from
this repository: repository `sagemaker-scikit-learn` by byoc/sklearn, `sagemaker-spark-processing` by
byoc/spark. Shared by every way in that runs a job named by another's ImageUri (replay, the endpoint).
No I/O here: whether an image is in the engine, or can be pulled, is the caller's to find out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

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
