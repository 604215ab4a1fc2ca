"""Replay a processing job that ran on SageMaker on the local backend: `byoc replay JOB_NAME`.

    DescribeProcessingJob, and ListTags (Describe does not return tags) -> the CreateProcessingJob
    request the job was made with (`request_from_describe`) -> JobDefinition (`definition_from_request`)
    -> its image made local (`choose_image`) -> its outputs sent to local folders -> a definition any
    Backend runs, or a job file

The image, in this order: `--image-uri`; a user mapping (`--image-map URI_OR_REPOSITORY=LOCAL`, as
`byoc serve` takes it); the exact ImageUri when the local engine has it (`byoc push` leaves that
tag); the exact ImageUri pulled (ECR's login through its API; the digest when the job names one),
when the engine can reach the registry; the kit's stand-in for AWS's own processing images
(`launcher.images`); else an error saying how to get one.

Outputs go to `<output dir>/<output name>` unless the caller keeps the job's own destinations: a
replay must not overwrite what the real job wrote, and a laptop's credentials may not write there.
Inputs are read where the job read them (S3, with the usual credentials and AWS_ENDPOINT_URL[_S3]).
Region and credentials come from the usual places; AWS_ENDPOINT_URL[_SAGEMAKER] moves the SageMaker
endpoint (a moto server in the tests).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from launcher.definition import MAX_BASE_JOB_NAME_LENGTH, JobDefinition
from launcher.errors import AwsError, BackendError, UsageError
from launcher.images import default_mapping, repository_of
from launcher.request import definition_from_request
from launcher.request_checks import READ_ONLY
from launcher.sagemaker_backend.errors import aws_errors
from launcher.sagemaker_backend.session import aws_session
from launcher.sagemaker_backend.status import describe_job
from launcher.service_model import request_shape


class ReplayImageError(UsageError):
    """No local image can stand in for the job's ImageUri."""


@dataclass(frozen=True, slots=True)
class ImageChoice:
    """The local image that runs the job's `requested` ImageUri, and how it was found (for the user)."""

    requested: str
    image: str
    how: str


@dataclass(frozen=True, slots=True)
class Described:
    """A job as DescribeProcessingJob (and ListTags) gave it: its request, and what else replay reports."""

    job_name: str
    job_arn: str
    status: str
    region: str
    request: Mapping[str, Any]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Replay:
    """What runs locally for a job that ran on SageMaker, and what was changed to make it run here."""

    source: Described
    definition: JobDefinition
    image: ImageChoice
    redirected: tuple[tuple[str, str, str], ...]  # output name, the job's destination, the replay's
    notes: tuple[str, ...]

    def comments(self) -> list[str]:
        """The job file's header: where the job came from and what the replay changed."""
        lines = [f"byoc replay of {self.source.job_arn} ({self.source.status} on SageMaker)",
                 f"image: {self.image.requested} runs as {self.image.image} ({self.image.how})"]
        lines += [f"output {name}: the job wrote to {original}; the replay to {local}"
                  for name, original, local in self.redirected]
        return lines + list(self.notes)


def describe(job_name: str, region: str | None) -> Described:
    """The job's DescribeProcessingJob answer as the request it was created with; its tags through ListTags
    (an account that may not list them gets a note, not an error)."""
    session = aws_session(region)
    client = session.client("sagemaker")
    response = describe_job(client, job_name)
    notes: list[str] = []
    request, request_notes = request_from_describe(response)
    notes += request_notes
    if "Tags" not in response:
        try:
            with aws_errors("ListTags"):
                tags = client.list_tags(ResourceArn=response["ProcessingJobArn"]).get("Tags", [])
        except AwsError as error:
            notes.append(f"the job's tags are not known ({error})")
        else:
            if tags:
                request["Tags"] = tags
    return Described(response["ProcessingJobName"], response["ProcessingJobArn"], response["ProcessingJobStatus"],
                     session.region_name, request, tuple(notes))


def request_from_describe(response: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The CreateProcessingJob members of a DescribeProcessingJob answer. An instance type the service
    chose from InstancePreferences becomes the job's InstanceType (and count): that is what ran."""
    members = request_shape().members
    request = {key: copy.deepcopy(value) for key, value in response.items() if key in members}
    notes = []
    cluster = request.get("ProcessingResources", {}).get("ClusterConfig", {})
    selected = {path.rsplit(".", 1)[1]: cluster.pop(path.rsplit(".", 1)[1], None) for path in READ_ONLY}
    if "InstancePreferences" in cluster and selected["SelectedInstanceType"] is not None:
        del cluster["InstancePreferences"]
        cluster["InstanceType"] = selected["SelectedInstanceType"]
        if selected["SelectedInstanceCount"] is not None:
            cluster["InstanceCount"] = selected["SelectedInstanceCount"]
        notes.append(f"the job ran on {cluster['InstanceType']}, chosen from its InstancePreferences: "
                     "the replay uses that")
    return request, notes


def choose_image(requested: str, *, override: str | None, pull: bool, has_image: Callable[[str], bool],
                 puller: Callable[[str], tuple[str, str | None]], mappings: Mapping[str, str] | None = None,
                 ) -> tuple[ImageChoice, list[str]]:
    """The local image to run (see the module's docstring for the order). `mappings` map a URI or repository
    to a local image; `has_image` asks the engine; `puller` pulls and returns the local reference and digest,
    raising a BackendError when it cannot."""
    if override is not None:
        return ImageChoice(requested, override, "given with --image-uri"), []
    for key in (requested, repository_of(requested)):
        if key in (mappings or {}):
            return ImageChoice(requested, (mappings or {})[key], f"--image-map {key}"), []
    if has_image(requested):
        return ImageChoice(requested, requested, "in the local Docker engine"), []
    notes = []
    why_not = "pulling was turned off (--no-pull)"
    if pull:
        try:
            image, digest = puller(requested)
        except BackendError as error:
            why_not = f"could not be pulled ({error})"
            notes.append(f"image {requested} {why_not}")
        else:
            return ImageChoice(requested, image, f"pulled, {digest}" if digest else "pulled"), notes
    mapped = default_mapping(requested)
    if mapped is not None:
        name = repository_of(requested).rsplit("/", 1)[-1]
        return ImageChoice(requested, mapped, f"AWS's {name} image, stood in for by the kit's"), notes
    raise ReplayImageError(
        f"image {requested!r} is not in the local Docker engine and {why_not}; it is not one of AWS's processing "
        "images the kit stands in for either: pull or build it under that name (`docker pull`, `docker tag`), "
        "or pass --image-uri LOCAL_IMAGE")


def replay_definition(described: Described, image: ImageChoice, *, output_dir: Path | None,
                      job_name: str | None = None) -> tuple[JobDefinition, tuple[tuple[str, str, str], ...]]:
    """The definition to run locally: the job's, on `image`, named `job_name` or after the job (a fresh
    timestamp each run), with S3 outputs under `output_dir` unless it is None."""
    job = definition_from_request(described.request)
    base = described.job_name[:MAX_BASE_JOB_NAME_LENGTH].rstrip("-")
    job = dataclasses.replace(job, image_uri=image.image, job_name=job_name, base_job_name=None if job_name else base)
    redirected = []
    if output_dir is not None:
        outputs = []
        for output in job.outputs:
            if output.destination is not None and output.output_name is not None:
                local = str(output_dir.absolute() / output.output_name)
                redirected.append((output.output_name, output.destination, local))
                output = dataclasses.replace(output, destination=local)
            outputs.append(output)
        job = dataclasses.replace(job, outputs=tuple(outputs))
    return job, tuple(redirected)


def prepare(job_name: str, *, region: str | None, output_dir: Path | None, image_uri: str | None = None,
            image_maps: Mapping[str, str] | None = None, pull: bool = True, registry: str | None = None,
            local_job_name: str | None = None, console: Console | None = None) -> Replay:
    """Everything `byoc replay` does before running: describe, choose the image, build the definition.
    `registry` pulls from that host instead of the one the ImageUri names; `console` shows pull progress."""
    from launcher.local.cluster import engine
    from launcher.pull import pull_image

    def has_image(uri: str) -> bool:
        from docker.errors import ImageNotFound

        try:
            engine().images.get(uri)
        except ImageNotFound:
            return False
        return True

    def puller(uri: str) -> tuple[str, str | None]:
        pulled = pull_image(uri, registry=registry, console=console)
        return pulled.image, pulled.digest

    described = describe(job_name, region)
    image, image_notes = choose_image(described.request["AppSpecification"]["ImageUri"], override=image_uri,
                                      pull=pull, has_image=has_image, puller=puller, mappings=image_maps)
    definition, redirected = replay_definition(described, image, output_dir=output_dir, job_name=local_job_name)
    return Replay(described, definition, image, redirected, (*described.notes, *image_notes))
