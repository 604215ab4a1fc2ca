"""The two config files SageMaker writes under /opt/ml/config, parsed once into frozen objects.

Every problem is a ContractError naming the file and the JSON key path (`ProcessingInputs[1].S3Input.
LocalPath`), never a bare KeyError. Paths are kept as SageMaker wrote them (`/opt/ml/processing/...`);
`layout.MlLayout` maps them onto the folder the runtime actually runs in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from byoc_runtime.errors import ContractError

PROCESSING_ROOT = PurePosixPath("/opt/ml/processing")
INPUT_MODES = ("File", "Pipe")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")
COMPRESSIONS = ("None", "Gzip")
UPLOAD_MODES = ("EndOfJob", "Continuous")


@dataclass(frozen=True)
class InputChannel:
    """One ProcessingInput with an S3Input, as the container sees it."""

    name: str
    local_path: PurePosixPath
    s3_uri: str | None
    data_type: str
    input_mode: str
    distribution: str
    compression: str


@dataclass(frozen=True)
class OutputChannel:
    """One ProcessingOutput with an S3Output."""

    name: str
    local_path: PurePosixPath
    s3_uri: str | None
    upload_mode: str


@dataclass(frozen=True)
class JobConfig:
    """processingjobconfig.json: the CreateProcessingJob request, echoed."""

    job_name: str
    job_arn: str | None
    image_uri: str | None
    entrypoint: tuple[str, ...] | None
    arguments: tuple[str, ...] | None
    environment: Mapping[str, str]
    inputs: tuple[InputChannel, ...]
    outputs: tuple[OutputChannel, ...]
    instance_count: int
    instance_type: str | None
    max_runtime_in_seconds: int | None


@dataclass(frozen=True)
class ResourceConfig:
    """resourceconfig.json: which host this is among the job's hosts."""

    current_host: str
    hosts: tuple[str, ...]


class _Reader:
    """Typed access into parsed JSON that reports failures with the file and the key path."""

    def __init__(self, file: Path) -> None:
        self.file = str(file)

    def load(self) -> dict[str, Any]:
        try:
            text = Path(self.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ContractError(self.file, "", f"cannot be read: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ContractError(self.file, "", f"is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContractError(self.file, "", f"is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        return self.mapping(data, "")

    def fail(self, path: str, problem: str) -> ContractError:
        return ContractError(self.file, path or "(top level)", problem)

    def mapping(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a JSON object, got {_json_type(value)}")
        return value

    def field(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> object:
        full = f"{path}.{key}" if path else key
        if obj.get(key) is None and required:
            raise self.fail(full, "is missing")
        return obj.get(key)

    def string(self, obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        value = self.field(obj, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value):
            raise self.fail(_join(path, key), f"expected a non-empty string, got {value!r}")
        return value

    def required_string(self, obj: dict[str, Any], key: str, path: str) -> str:
        value = self.string(obj, key, path, required=True)
        assert value is not None
        return value

    def choice(self, obj: dict[str, Any], key: str, path: str, choices: tuple[str, ...], default: str) -> str:
        value = self.string(obj, key, path, required=False)
        if value is None:
            return default
        if value not in choices:
            raise self.fail(_join(path, key), f"{value!r} is not one of {', '.join(choices)}")
        return value

    def integer(self, obj: dict[str, Any], key: str, path: str, *, minimum: int) -> int | None:
        value = self.field(obj, key, path, required=False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(_join(path, key), f"expected an integer >= {minimum}, got {value!r}")
        return value

    def string_list(self, obj: dict[str, Any], key: str, path: str) -> tuple[str, ...] | None:
        value = self.field(obj, key, path, required=False)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.fail(_join(path, key), f"expected a list of strings, got {_json_type(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{_join(path, key)}[{i}]", f"expected a string, got {item!r}")
        return tuple(value)

    def items(self, obj: dict[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        value = self.field(obj, key, path, required=False)
        if value is None:
            return []
        full = _join(path, key)
        if not isinstance(value, list):
            raise self.fail(full, f"expected a list, got {_json_type(value)}")
        return [(f"{full}[{i}]", self.mapping(item, f"{full}[{i}]")) for i, item in enumerate(value)]

    def local_path(self, obj: dict[str, Any], path: str) -> PurePosixPath:
        raw = self.required_string(obj, "LocalPath", path)
        local = PurePosixPath(raw)
        if not local.is_absolute() or ".." in local.parts or not local.is_relative_to(PROCESSING_ROOT):
            raise self.fail(_join(path, "LocalPath"), f"{raw!r} must be an absolute path under {PROCESSING_ROOT}/")
        return local


def parse_job_config(file: Path) -> JobConfig:
    reader = _Reader(file)
    top = reader.load()
    app = reader.mapping(reader.field(top, "AppSpecification", "", required=True), "AppSpecification")
    env = reader.field(top, "Environment", "", required=False) or {}
    environment = reader.mapping(env, "Environment")
    for key, value in environment.items():
        if not isinstance(value, str):
            raise reader.fail(f"Environment.{key}", f"expected a string, got {value!r}")
    cluster_path = "ProcessingResources.ClusterConfig"
    resources = reader.mapping(reader.field(top, "ProcessingResources", "", required=True), "ProcessingResources")
    cluster = reader.mapping(
        reader.field(resources, "ClusterConfig", "ProcessingResources", required=True), cluster_path
    )
    stopping = reader.field(top, "StoppingCondition", "", required=False)
    max_runtime = None
    if stopping is not None:
        max_runtime = reader.integer(
            reader.mapping(stopping, "StoppingCondition"), "MaxRuntimeInSeconds", "StoppingCondition", minimum=1
        )
    output_config = reader.field(top, "ProcessingOutputConfig", "", required=False)
    output_items = (
        reader.items(reader.mapping(output_config, "ProcessingOutputConfig"), "Outputs", "ProcessingOutputConfig")
        if output_config is not None
        else []
    )
    inputs = tuple(_parse_input(reader, path, item) for path, item in reader.items(top, "ProcessingInputs", ""))
    # A FeatureStoreOutput has no container folder: the job writes to its feature group itself.
    outputs = tuple(_parse_output(reader, path, item) for path, item in output_items
                    if item.get("S3Output") is not None or item.get("FeatureStoreOutput") is None)
    _check_unique(reader, "ProcessingInputs", [(c.name, str(c.local_path)) for c in inputs], "InputName")
    _check_unique(
        reader, "ProcessingOutputConfig.Outputs", [(c.name, str(c.local_path)) for c in outputs], "OutputName"
    )
    return JobConfig(
        job_name=reader.required_string(top, "ProcessingJobName", ""),
        job_arn=reader.string(top, "ProcessingJobArn", "", required=False),
        image_uri=reader.string(app, "ImageUri", "AppSpecification", required=False),
        entrypoint=reader.string_list(app, "ContainerEntrypoint", "AppSpecification"),
        arguments=reader.string_list(app, "ContainerArguments", "AppSpecification"),
        environment=dict(environment),
        inputs=inputs,
        outputs=outputs,
        instance_count=reader.integer(cluster, "InstanceCount", cluster_path, minimum=1) or 1,
        instance_type=reader.string(cluster, "InstanceType", cluster_path, required=False),
        max_runtime_in_seconds=max_runtime,
    )


def parse_resource_config(file: Path) -> ResourceConfig:
    reader = _Reader(file)
    top = reader.load()
    hosts = reader.string_list(top, "hosts", "")
    if not hosts:
        raise reader.fail("hosts", "expected a non-empty list of host names")
    if len(set(hosts)) != len(hosts):
        raise reader.fail("hosts", f"lists a host twice: {list(hosts)}")
    current = reader.required_string(top, "current_host", "")
    if current not in hosts:
        raise reader.fail("current_host", f"{current!r} is not one of hosts {list(hosts)}")
    return ResourceConfig(current_host=current, hosts=tuple(hosts))


def _parse_input(reader: _Reader, path: str, item: dict[str, Any]) -> InputChannel:
    name = reader.required_string(item, "InputName", path)
    s3_path = f"{path}.S3Input"
    s3 = reader.field(item, "S3Input", path, required=False)
    if s3 is None:
        dataset = reader.field(item, "DatasetDefinition", path, required=False)
        if dataset is None:
            raise reader.fail(s3_path, f"input {name!r} has neither S3Input nor DatasetDefinition")
        ds = reader.mapping(dataset, f"{path}.DatasetDefinition")
        return InputChannel(
            name=name,
            local_path=reader.local_path(ds, f"{path}.DatasetDefinition"),
            s3_uri=None,
            data_type="DatasetDefinition",
            input_mode=reader.choice(ds, "InputMode", f"{path}.DatasetDefinition", INPUT_MODES, "File"),
            distribution=reader.choice(
                ds, "DataDistributionType", f"{path}.DatasetDefinition", DISTRIBUTIONS, "ShardedByS3Key"
            ),
            compression="None",
        )
    s3_input = reader.mapping(s3, s3_path)
    return InputChannel(
        name=name,
        local_path=reader.local_path(s3_input, s3_path),
        s3_uri=reader.string(s3_input, "S3Uri", s3_path, required=False),
        data_type=reader.string(s3_input, "S3DataType", s3_path, required=False) or "S3Prefix",
        input_mode=reader.choice(s3_input, "S3InputMode", s3_path, INPUT_MODES, "File"),
        distribution=reader.choice(s3_input, "S3DataDistributionType", s3_path, DISTRIBUTIONS, "FullyReplicated"),
        compression=reader.choice(s3_input, "S3CompressionType", s3_path, COMPRESSIONS, "None"),
    )


def _parse_output(reader: _Reader, path: str, item: dict[str, Any]) -> OutputChannel:
    name = reader.required_string(item, "OutputName", path)
    s3_path = f"{path}.S3Output"
    s3 = reader.field(item, "S3Output", path, required=False)
    if s3 is None:
        raise reader.fail(s3_path, f"output {name!r} has neither S3Output nor FeatureStoreOutput")
    s3_output = reader.mapping(s3, s3_path)
    return OutputChannel(
        name=name,
        local_path=reader.local_path(s3_output, s3_path),
        s3_uri=reader.string(s3_output, "S3Uri", s3_path, required=False),
        upload_mode=reader.choice(s3_output, "S3UploadMode", s3_path, UPLOAD_MODES, "EndOfJob"),
    )


def _check_unique(reader: _Reader, path: str, pairs: list[tuple[str, str]], name_key: str) -> None:
    names: set[str] = set()
    paths: set[str] = set()
    for i, (name, local) in enumerate(pairs):
        if name in names:
            raise reader.fail(f"{path}[{i}].{name_key}", f"{name!r} is used twice")
        if local in paths:
            raise reader.fail(f"{path}[{i}]", f"LocalPath {local!r} is used twice")
        names.add(name)
        paths.add(local)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
