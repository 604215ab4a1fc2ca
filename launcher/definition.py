"""One processing job, described once and run by any backend: plain frozen data, no I/O.

Field names are the SageMaker Python SDK's (`sagemaker.processing.Processor`, `ProcessingInput`,
`ProcessingOutput`, `ScriptProcessor`'s `code` and `command`, v2.257), so a job written for the SDK
reads the same here. The SDK itself is not imported: it takes seconds to import and the local
backend must run without it.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

PROCESSING_ROOT = "/opt/ml/processing/"
# ScriptProcessor's code input: its name and where the service puts it (SDK `_CODE_CONTAINER_*`).
CODE_INPUT_NAME = "code"
CODE_CONTAINER_PATH = "/opt/ml/processing/input/code"
# The service's limit when a job sets none (SDK Processor docstring: "the default value is 24 hours").
DEFAULT_MAX_RUNTIME_IN_SECONDS = 86400
# Used when the image name gives nothing usable, as the SDK does (`Processor.JOB_CLASS_NAME`).
DEFAULT_BASE_JOB_NAME = "processing-job"
MAX_JOB_NAME_LENGTH = 63
# `-YYYY-MM-DD-HH-MM-SS-mmm`, the suffix the SDK's `name_from_base` appends.
TIMESTAMP_SUFFIX_LENGTH = 24
MAX_BASE_JOB_NAME_LENGTH = MAX_JOB_NAME_LENGTH - TIMESTAMP_SUFFIX_LENGTH


@dataclass(frozen=True, slots=True)
class ProcessingInput:
    """Data put into the container: `source` (S3 URI or local path) lands at `destination`.

    `destination` is the container LocalPath, under /opt/ml/processing/. A local `source` (path or
    file:// URI) is read directly by the local backend and uploaded by the SageMaker backend.
    """

    source: str
    destination: str
    input_name: str
    s3_data_type: str = "S3Prefix"
    s3_input_mode: str = "File"
    s3_data_distribution_type: str = "FullyReplicated"
    s3_compression_type: str = "None"


@dataclass(frozen=True, slots=True)
class ProcessingOutput:
    """Data taken out of the container: the contents of `source` (a LocalPath) go to `destination`.

    `destination` is an S3 URI, or for this kit also a local folder or file:// URI.
    """

    source: str
    destination: str
    output_name: str
    s3_upload_mode: str = "EndOfJob"


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """Everything CreateProcessingJob needs, in the SDK's words; validate it with `validation.validate`.

    Sequences are stored as tuples and `env` as a read-only mapping, whatever the caller passed, so a
    definition cannot change after it is checked. `code` + `command` is the ScriptProcessor style;
    `normalized()` turns it into the plain inputs and entrypoint the service sees.
    """

    image_uri: str
    role: str | None = None
    instance_count: int = 1
    instance_type: str = "ml.m5.xlarge"
    entrypoint: tuple[str, ...] | None = None
    arguments: tuple[str, ...] | None = None
    # Left out of the hash (a mapping has none), so definitions can still be set members and dict keys.
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    volume_size_in_gb: int = 30
    max_runtime_in_seconds: int | None = None
    job_name: str | None = None
    base_job_name: str | None = None
    inputs: tuple[ProcessingInput, ...] = ()
    outputs: tuple[ProcessingOutput, ...] = ()
    code: str | None = None
    command: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("entrypoint", "arguments", "command", "inputs", "outputs"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.env, Mapping):
            object.__setattr__(self, "env", MappingProxyType(dict(self.env)))

    def normalized(self) -> JobDefinition:
        """The job as the service sees it: `code` becomes an input named `code`, appended after the
        others, and the entrypoint becomes `command + [/opt/ml/processing/input/code/<basename>]`,
        as `ScriptProcessor._include_code_in_inputs` does. Without `code` this is the definition itself.
        """
        if self.code is None:
            return self
        code_input = ProcessingInput(source=self.code, destination=CODE_CONTAINER_PATH, input_name=CODE_INPUT_NAME)
        return dataclasses.replace(
            self,
            inputs=(*self.inputs, code_input),
            entrypoint=(*(self.command or ()), code_script_path(self.code)),
            code=None,
            command=None,
        )


def uri_scheme(location: str) -> str:
    """The lower-case scheme of `s3://...`, `file://...`; "" for a plain path, even one with a colon.

    A known scheme counts even with a slash missing, so `s3:/bucket` is reported as a bad S3 URI
    instead of being taken for a local folder named `s3:`.
    """
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(//)?", location)
    if match is None:
        return ""
    scheme = match.group(1).lower()
    return scheme if match.group(2) or scheme in ("s3", "https", "http", "file") else ""


def code_script_path(code: str) -> str:
    """Where the service puts the `code` file in the container: its basename under the code input."""
    path = urlsplit(code).path if uri_scheme(code) else code
    return posixpath.join(CODE_CONTAINER_PATH, posixpath.basename(path))


def with_overrides(definition: JobDefinition, **changes: Any) -> JobDefinition:
    """A copy with some fields replaced, e.g. the CLI's `--instance-count 2`; pass only what was given.

    The result is not validated: validate it after all overrides are applied.
    """
    fields = {f.name for f in dataclasses.fields(JobDefinition)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise TypeError(f"not JobDefinition fields: {', '.join(unknown)} (fields: {', '.join(sorted(fields))})")
    return dataclasses.replace(definition, **changes)


def base_name_from_image(image_uri: str) -> str:
    """The job-name prefix the SDK derives from an image (`sagemaker.utils.base_name_from_image`),
    made safe for the job-name pattern.

    Our additions to the SDK's rule: a `@sha256:...` digest is dropped, characters the job-name
    pattern refuses (`_`, `.`) become `-`, and the result is cut to leave room for the timestamp, so
    `my_repo/feature.eng:1` gives `feature-eng` instead of a name the service rejects.
    """
    image = image_uri.split("@", 1)[0]
    match = re.match(r"^(.+/)?([^:/]+)(:[^:]+)?$", image)
    base = match.group(2) if match else image
    base = re.sub(r"[^a-zA-Z0-9-]+", "-", base).strip("-")[:MAX_BASE_JOB_NAME_LENGTH].rstrip("-")
    return base or DEFAULT_BASE_JOB_NAME


def sagemaker_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DD-HH-MM-SS-mmm` in UTC, the SDK's `sagemaker_timestamp` format."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d-%H-%M-%S-") + f"{moment.microsecond // 1000:03d}"


def resolve_job_name(definition: JobDefinition, *, now: datetime | None = None) -> str:
    """The job name to submit: `job_name` if set, else `<base>-<timestamp>` as the SDK's
    `Processor._generate_current_job_name` builds it, with `base_job_name` or a base from the image.
    """
    if definition.job_name is not None:
        return definition.job_name
    base = definition.base_job_name or base_name_from_image(definition.image_uri)
    return f"{base}-{sagemaker_timestamp(now or datetime.now(UTC))}"
