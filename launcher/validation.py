"""Check a JobDefinition against the service's own rules before anything is started or uploaded.

A definition is checked as the request it becomes: `to_create_processing_job_request` builds it and
`request_checks.request_problems` checks it against botocore's model of CreateProcessingJob and the
service's unwritten rules, so the local backend refuses exactly what SageMaker would and a job that
passes here is not refused by a ValidationException after minutes of uploading. Each problem is
named by the definition's own field path (`network_config.subnets[3]`, `inputs[0].destination`),
and all of them are reported at once, in field order.

Checked here only, because the request does not carry them: the shape of Python-built definitions
(`inputs` must hold ProcessingInput objects: nothing else stops `inputs=[{...}]`), `base_job_name`,
`code` with `command`, and `local_source`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from launcher.definition import (
    CODE_INPUT_NAME,
    TIMESTAMP_SUFFIX_LENGTH,
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
    code_script_path,
)
from launcher.errors import JobDefinitionError, Problem
from launcher.request import (
    ATHENA_FIELDS,
    DATASET_FIELDS,
    FEATURE_STORE_FIELDS,
    INPUT_FIELDS,
    NETWORK_FIELDS,
    OPTIONAL_FOR_LOCAL_RUNS,
    OUTPUT_FIELDS,
    REDSHIFT_FIELDS,
    TOP_FIELDS,
    to_create_processing_job_request,
)
from launcher.request_checks import location_problem, request_problems
from launcher.service_model import describe, shape_at

# A base name only needs to start right: the timestamp supplies the alphanumeric end.
BASE_JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]*")
# The API member each definition field is written to, by record type (nested records by their field).
_API_NAMES: dict[type, Mapping[str, str]] = {
    JobDefinition: TOP_FIELDS,
    ProcessingInput: INPUT_FIELDS,
    DatasetDefinition: DATASET_FIELDS,
    AthenaDatasetDefinition: ATHENA_FIELDS,
    RedshiftDatasetDefinition: REDSHIFT_FIELDS,
    ProcessingOutput: OUTPUT_FIELDS,
    FeatureStoreOutput: FEATURE_STORE_FIELDS,
    NetworkConfig: NETWORK_FIELDS,
}


def validate(definition: JobDefinition) -> None:
    """Raise JobDefinitionError listing every problem, or return if the service would accept the job."""
    problems = find_problems(definition)
    if problems:
        raise JobDefinitionError(problems)


def find_problems(definition: JobDefinition) -> list[Problem]:
    """Every problem with the definition, in field order; empty when it is valid."""
    checker = _Checker()
    buildable = checker.check(definition)
    job = buildable.normalized()
    request = to_create_processing_job_request(buildable, "")
    if buildable.job_name is None:
        del request["ProcessingJobName"]
    else:
        request["ProcessingJobName"] = buildable.job_name
    code_index = len(buildable.inputs) if buildable.code is not None else None
    found = request_problems(
        request,
        paths=DefinitionPaths(job, code_index, len(buildable.command or ())),
        local_locations=True,
        optional=OPTIONAL_FOR_LOCAL_RUNS,
        claim_first=() if code_index is None else (code_index,),
    )
    # A problem this module found on a field is the one kept: its message knows the SDK's terms.
    taken = {problem.path for problem in checker.problems}
    problems = checker.problems + [problem for problem in found if problem.path not in taken]
    return sorted(problems, key=lambda problem: _field_order(definition, problem.path))


class DefinitionPaths:
    """Names an API path of the request built from a definition by the definition's field path.

    `job` is the normalized definition the request was built from; `code_index` the position of the
    code input it appended (if any), whose S3Uri is shown as `code`; `command_length` how many items
    of ContainerEntrypoint come from `command` (the last one is the code's path).
    """

    def __init__(self, job: JobDefinition, code_index: int | None, command_length: int) -> None:
        self.job = job
        self.code_index = code_index
        self.command_length = command_length

    def show(self, path: str) -> str:
        if self.code_index is not None:
            code = self._code_path(path)
            if code is not None:
                return code
        tags = re.fullmatch(r"Tags\[(\d+)\](\.Key|\.Value)?", path)
        if tags is not None:
            keys = list(self.job.tags)
            index = int(tags.group(1))
            return f"tags.{keys[index]}" if index < len(keys) else f"tags[{index}]"
        return _definition_path(path, JobDefinition)

    def first_choice(self, path: str) -> str | None:
        """The SDK's default for an enum field, listed first: `'Fast' is not one of File, Pipe`."""
        shown = self.show(path)
        parent, _, name = shown.rpartition(".")
        record = _resolve(self.job, parent) if parent else self.job
        if not dataclasses.is_dataclass(record):
            return None
        for f in dataclasses.fields(record):
            if f.name == name and isinstance(f.default, str):
                return f.default
        return None

    def subject(self, path: str) -> str:
        """A tag's value is shown under its key: its messages say `value ...`."""
        return "value " if re.fullmatch(r"Tags\[\d+\]\.Value", path) else ""

    def _code_path(self, path: str) -> str | None:
        entry = re.fullmatch(r"AppSpecification\.ContainerEntrypoint(?:\[(\d+)\])?", path)
        if entry is not None:
            if entry.group(1) is None:
                return "command"
            index = int(entry.group(1))
            return f"command[{index}]" if index < self.command_length else "code"
        channel = re.fullmatch(rf"ProcessingInputs\[{self.code_index}\](.*)", path)
        if channel is not None:
            return "code" if channel.group(1) == ".S3Input.S3Uri" else "the code input"
        return None


def _definition_path(path: str, record: type) -> str:
    """`ProcessingInputs[0].S3Input.S3Uri` -> `inputs[0].source`, following `_API_NAMES` down the records.

    What no field maps to is kept in the API's words after the deepest field that does (a mapping's
    keys, a member like `S3Input` that the SDK flattens).
    """
    names = _API_NAMES[record]
    for name, api in sorted(names.items(), key=lambda item: -len(item[1])):
        if path == api or path.startswith((f"{api}.", f"{api}[")):
            rest = path[len(api):]
            nested = _nested_record(record, name)
            if nested is not None:
                index = re.match(r"\[\d+\]", rest)
                prefix = index.group(0) if index else ""
                inner = rest[len(prefix):].lstrip(".")
                return name + prefix + ("." + _definition_path(inner, nested) if inner else "")
            return name + rest
    return path


def _nested_record(record: type, name: str) -> type | None:
    """The record type a field holds (one, or a list of them), from `_API_NAMES`' records."""
    hints = {f.name: str(f.type) for f in dataclasses.fields(record)}
    for candidate in _API_NAMES:
        if re.search(rf"\b{candidate.__name__}\b", hints.get(name, "")):
            return candidate
    return None


def _resolve(root: object, path: str) -> object:
    """The value at a definition path (`inputs[1].dataset_definition`), or None where there is none."""
    value = root
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, Sequence) and index < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
    return value


def _field_order(root: object, path: str) -> tuple[int, ...]:
    """A sort key for a definition path: each part's position among its record's fields, a list's
    index, a mapping key's position; unknown parts sort last."""
    order: list[int] = []
    value = root
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            order.append(index)
            value = value[index] if isinstance(value, Sequence) and index < len(value) else None
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = [f.name for f in dataclasses.fields(value)]
            order.append(names.index(part) if part in names else len(names))
            value = getattr(value, part, None)
        elif isinstance(value, Mapping):
            keys = list(value)
            order.append(keys.index(part) if part in keys else len(keys))
            value = value.get(part)
        else:
            order.append(1 << 30)
            value = None
    return tuple(order)


class _Checker:
    """The checks a request cannot carry; `check` returns the definition with each ill-typed container
    replaced by its default, so the request can still be built and checked for everything else."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def check(self, d: JobDefinition) -> JobDefinition:
        repairs: dict[str, Any] = {}
        for name in ("entrypoint", "arguments", "command"):
            if not self._string_list(name, getattr(d, name)):
                repairs[name] = None
        for name, what in (("env", "a mapping of strings"), ("tags", "a mapping of tag keys to values")):
            if not isinstance(getattr(d, name), Mapping):
                self.add(name, f"expected {what}, got {describe(getattr(d, name))}")
                repairs[name] = {}
        experiment: object = d.experiment_config
        if experiment is not None and not isinstance(experiment, Mapping):
            self.add("experiment_config", f"expected a mapping of strings, got {describe(experiment)}")
            repairs["experiment_config"] = None
        if not self._network(d.network_config):
            repairs["network_config"] = None
        code_inputs = 1 if isinstance(d.code, str) else 0
        if not self._channels("inputs", d.inputs, ProcessingInput, self._input, code_inputs):
            repairs["inputs"] = ()
        if not self._channels("outputs", d.outputs, ProcessingOutput, self._output, 0):
            repairs["outputs"] = ()
        self._base_job_name(d.base_job_name)
        if not self._code(d, has_entrypoint=d.entrypoint is not None and "entrypoint" not in repairs):
            repairs.update(code=None, command=None)
        return dataclasses.replace(d, **repairs)

    def _string_list(self, path: str, value: object) -> bool:
        if value is None or (isinstance(value, Sequence) and not isinstance(value, str | bytes)):
            return True
        self.add(path, f"expected a list of strings, got {describe(value)}")
        return False

    def _record(self, path: str, value: object, cls: type) -> bool:
        if value is None or isinstance(value, cls):
            return True
        self.add(path, f"expected a {cls.__name__}, got {describe(value)}")
        return False

    def _network(self, config: object) -> bool:
        if not self._record("network_config", config, NetworkConfig):
            return False
        if config is None:
            return True
        assert isinstance(config, NetworkConfig)
        groups = self._string_list("network_config.security_group_ids", config.security_group_ids)
        return self._string_list("network_config.subnets", config.subnets) and groups

    def _channels(self, kind: str, value: object, cls: type, check: Callable[[str, Any], bool], extra: int) -> bool:
        """A list of `cls` whose every item passes `check`; problems name each bad item. `extra`
        channels (the code input) count against the service's limit too."""
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            self.add(kind, f"expected a list of {cls.__name__}, got {describe(value)}")
            return False
        limit = shape_at(TOP_FIELDS[kind]).metadata["max"]
        if len(value) + extra > limit:
            plus = " plus the code input" if extra else ""
            self.add(kind, f"has {len(value)} {kind}{plus}; the service allows at most {limit}")
        well_typed = True
        for i, item in enumerate(value):
            if not isinstance(item, cls):
                self.add(f"{kind}[{i}]", f"expected a {cls.__name__}, got {describe(item)}")
                well_typed = False
            elif not check(f"{kind}[{i}]", item):
                well_typed = False
        return well_typed

    def _input(self, path: str, item: ProcessingInput) -> bool:
        well_typed = self._record(f"{path}.dataset_definition", item.dataset_definition, DatasetDefinition)
        dataset = item.dataset_definition
        if well_typed and dataset is not None:
            athena = self._record(f"{path}.dataset_definition.athena_dataset_definition",
                                  dataset.athena_dataset_definition, AthenaDatasetDefinition)
            redshift = self._record(f"{path}.dataset_definition.redshift_dataset_definition",
                                    dataset.redshift_dataset_definition, RedshiftDatasetDefinition)
            well_typed = athena and redshift
        local_source: object = item.local_source
        if local_source is not None:
            if not isinstance(local_source, str):
                self.add(f"{path}.local_source", f"expected a string, got {describe(local_source)}")
            elif dataset is None:
                self.add(f"{path}.local_source", "is only for a dataset_definition input (the stand-in for its "
                                                 "query's result); this input reads source")
            else:
                problem = location_problem(local_source)
                if problem is not None:
                    self.add(f"{path}.local_source", problem)
        return well_typed

    def _output(self, path: str, item: ProcessingOutput) -> bool:
        return self._record(f"{path}.feature_store_output", item.feature_store_output, FeatureStoreOutput)

    def _base_job_name(self, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.add("base_job_name", f"expected a string, got {describe(value)}")
            return
        job_name_max = shape_at("ProcessingJobName").metadata["max"]
        limit = job_name_max - TIMESTAMP_SUFFIX_LENGTH
        if len(value) > limit:
            self.add(
                "base_job_name",
                f"is {len(value)} characters long; at most {limit} "
                f"leave room for the timestamp in a {job_name_max}-character job name",
            )
        elif not BASE_JOB_NAME_PATTERN.fullmatch(value):
            self.add(
                "base_job_name",
                f"{value!r} is not a valid job name prefix: use letters, digits and "
                "hyphens, starting with a letter or digit",
            )

    def _code(self, d: JobDefinition, *, has_entrypoint: bool) -> bool:
        """ScriptProcessor style: `code` and `command` come together and replace `entrypoint`.

        False when `code` is not a string: the request is then built without it.
        """
        entrypoint_max = shape_at("AppSpecification.ContainerEntrypoint").metadata["max"]
        command: object = d.command
        if isinstance(command, Sequence) and not isinstance(command, str):
            if not 1 <= len(command) <= entrypoint_max - 1:
                self.add("command", f"has {len(command)} items; the service allows 1 to {entrypoint_max - 1}")
            if has_entrypoint:
                self.add("command",
                         "conflicts with entrypoint: command + code make the entrypoint; set one or the other")
            if d.code is None:
                self.add("command", "needs code: the script file command runs")
        code: object = d.code
        if code is None:
            return True
        if not isinstance(code, str):
            self.add("code", f"expected a string, got {describe(code)}")
            return False
        if d.command is None:
            self.add("code", "needs command, the program that runs it (e.g. [python3])")
        if any(isinstance(i, ProcessingInput) and i.input_name == CODE_INPUT_NAME for i in d.inputs):
            index = next(n for n, i in enumerate(d.inputs) if getattr(i, "input_name", None) == CODE_INPUT_NAME)
            self.add(f"inputs[{index}].input_name",
                     f"{CODE_INPUT_NAME!r} is the name of the input code creates; rename this input or drop code")
        script = code_script_path(code)
        item_max = shape_at("AppSpecification.ContainerEntrypoint[]").metadata["max"]
        if script.endswith("/"):
            self.add("code", f"{code!r} must name a file, not a folder")
        elif len(script) > item_max:
            self.add("code",
                     f"file name is too long: the entrypoint item {script!r} would exceed {item_max} characters")
        return True
