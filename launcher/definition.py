"""One processing job, described once and run by any backend: plain frozen data, no I/O.

Field names are the SageMaker Python SDK's (`sagemaker.processing.Processor`, `ProcessingInput`,
`ProcessingOutput`, `FeatureStoreOutput`, `ScriptProcessor`'s `code` and `command`, `run()`'s
`experiment_config`, `sagemaker.network.NetworkConfig`, `sagemaker.dataset_definition.inputs`, v2.257),
so a job written for the SDK reads the same here; every field of CreateProcessingJob has one. They stay
the same whichever SDK the sagemaker backend sends through (3.x's `sagemaker.core.processing.Processor`
takes the API's nested shapes instead, `s3_input.s3_uri` for `source`). The SDK itself is not imported:
it takes seconds to import and the local backend must run without it.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Mapping
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
class AthenaDatasetDefinition:
    """An Athena query whose result SageMaker writes to `output_s3_uri` and then stages as an input.

    Fields and their order are the SDK's (`sagemaker.dataset_definition.inputs`); all default to None
    as there, and validation names the ones the service requires.
    """

    catalog: str | None = None
    database: str | None = None
    query_string: str | None = None
    output_s3_uri: str | None = None
    work_group: str | None = None
    kms_key_id: str | None = None
    output_format: str | None = None
    output_compression: str | None = None


@dataclass(frozen=True, slots=True)
class RedshiftDatasetDefinition:
    """A Redshift query whose result SageMaker unloads to `output_s3_uri` and then stages as an input."""

    cluster_id: str | None = None
    database: str | None = None
    db_user: str | None = None
    query_string: str | None = None
    cluster_role_arn: str | None = None
    output_s3_uri: str | None = None
    kms_key_id: str | None = None
    output_format: str | None = None
    output_compression: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetDefinition:
    """An input made by a query (exactly one of Athena or Redshift), landing at `local_path`.

    `data_distribution_type` defaults to ShardedByS3Key, the API's and the SDK's default, unlike an S3
    input's FullyReplicated.
    """

    data_distribution_type: str = "ShardedByS3Key"
    input_mode: str = "File"
    local_path: str | None = None
    redshift_dataset_definition: RedshiftDatasetDefinition | None = None
    athena_dataset_definition: AthenaDatasetDefinition | None = None


@dataclass(frozen=True, slots=True)
class ProcessingInput:
    """Data put into the container: `source` (S3 URI or local path) lands at `destination`, or the
    result of `dataset_definition`'s query lands at its `local_path`.

    `destination` is the container LocalPath, under /opt/ml/processing/. A local `source` (path or
    file:// URI) is read directly by the local backend and uploaded by the SageMaker backend.
    `input_name` None gets the SDK's name, `input-<position>`, in `JobDefinition.normalized()`.
    `local_source` is ours: for a dataset_definition input, a local path or S3 URI whose contents
    stand in for the query's result when the job runs locally; it is never sent to SageMaker.
    """

    source: str | None = None
    destination: str | None = None
    input_name: str | None = None
    s3_data_type: str = "S3Prefix"
    s3_input_mode: str = "File"
    s3_data_distribution_type: str = "FullyReplicated"
    s3_compression_type: str = "None"
    dataset_definition: DatasetDefinition | None = None
    app_managed: bool = False
    local_source: str | None = None


@dataclass(frozen=True, slots=True)
class FeatureStoreOutput:
    """An output written to a SageMaker Feature Store feature group instead of S3."""

    feature_group_name: str


@dataclass(frozen=True, slots=True)
class ProcessingOutput:
    """Data taken out of the container: the contents of `source` (a LocalPath) go to `destination`,
    or, with `feature_store_output`, into a feature group.

    `destination` is an S3 URI, or for this kit also a local folder or file:// URI. `output_name`
    None gets the SDK's name, `output-<position>`, in `JobDefinition.normalized()`.
    """

    source: str | None = None
    destination: str | None = None
    output_name: str | None = None
    s3_upload_mode: str = "EndOfJob"
    app_managed: bool = False
    feature_store_output: FeatureStoreOutput | None = None


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """VPC, network isolation and inter-container encryption (`sagemaker.network.NetworkConfig`).

    As in the SDK, an unset `enable_network_isolation` is sent as False, and `encrypt_inter_container_traffic`
    None is left out of the request.
    """

    enable_network_isolation: bool = False
    security_group_ids: tuple[str, ...] | None = None
    subnets: tuple[str, ...] | None = None
    encrypt_inter_container_traffic: bool | None = None

    def __post_init__(self) -> None:
        _freeze_lists(self, ("security_group_ids", "subnets"))


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """Everything CreateProcessingJob needs, in the SDK's words; validate it with `validation.validate`.

    Sequences are stored as tuples and mappings as read-only mappings, whatever the caller passed, so
    a definition cannot change after it is checked. `code` + `command` is the ScriptProcessor style;
    `normalized()` turns it into the plain inputs and entrypoint the service sees.

    `tags` is a mapping of tag keys to values; the SDK's list of `{"Key": ..., "Value": ...}` becomes
    one (`tags_from_list`). `experiment_config` keeps the API's keys, as the SDK's `run()` takes it
    (ExperimentName, TrialName, TrialComponentDisplayName, RunName).
    """

    image_uri: str
    role: str | None = None
    instance_count: int = 1
    instance_type: str = "ml.m5.xlarge"
    entrypoint: tuple[str, ...] | None = None
    arguments: tuple[str, ...] | None = None
    # Mappings are left out of the hash (they have none), so definitions can still be set members.
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    volume_size_in_gb: int = 30
    max_runtime_in_seconds: int | None = None
    job_name: str | None = None
    base_job_name: str | None = None
    inputs: tuple[ProcessingInput, ...] = ()
    outputs: tuple[ProcessingOutput, ...] = ()
    code: str | None = None
    command: tuple[str, ...] | None = None
    volume_kms_key: str | None = None
    output_kms_key: str | None = None
    network_config: NetworkConfig | None = None
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    experiment_config: Mapping[str, str] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        _freeze_lists(self, ("entrypoint", "arguments", "command", "inputs", "outputs"))
        for name in ("env", "tags", "experiment_config"):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def normalized(self) -> JobDefinition:
        """The job as the service sees it, as the SDK's `Processor._normalize_args` makes it.

        `code` becomes an input named `code`, appended after the others, and the entrypoint becomes
        `command + [/opt/ml/processing/input/code/<basename>]` (`ScriptProcessor._include_code_in_inputs`);
        then every unnamed input or output is named after its 1-based position, `input-1`, `output-2`
        (`_normalize_inputs`, `_normalize_outputs`). A definition with nothing to do is returned as is.
        """
        job = self
        if job.code is not None:
            code_input = ProcessingInput(source=job.code, destination=CODE_CONTAINER_PATH, input_name=CODE_INPUT_NAME)
            job = dataclasses.replace(
                job,
                inputs=(*job.inputs, code_input),
                entrypoint=(*(job.command or ()), code_script_path(job.code)),
                code=None,
                command=None,
            )
        if any(isinstance(i, ProcessingInput) and i.input_name is None for i in job.inputs):
            job = dataclasses.replace(job, inputs=tuple(
                dataclasses.replace(i, input_name=f"input-{n}")
                if isinstance(i, ProcessingInput) and i.input_name is None else i
                for n, i in enumerate(job.inputs, 1)
            ))
        if any(isinstance(o, ProcessingOutput) and o.output_name is None for o in job.outputs):
            job = dataclasses.replace(job, outputs=tuple(
                dataclasses.replace(o, output_name=f"output-{n}")
                if isinstance(o, ProcessingOutput) and o.output_name is None else o
                for n, o in enumerate(job.outputs, 1)
            ))
        return job


def tags_from_list(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """The SDK's (and the API's) list of `{"Key": k, "Value": v}` as the mapping JobDefinition holds."""
    return {tag["Key"]: tag["Value"] for tag in tags}


def _freeze_lists(instance: object, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, list):
            object.__setattr__(instance, name, tuple(value))


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
