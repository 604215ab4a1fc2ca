"""Read a job file into a JobDefinition, with every error pointing at a file, line and field.

Two forms. The usual one is YAML whose keys are JobDefinition's field names, the SDK's, and nothing
else: an unknown key is an error with a "did you mean", not a silently ignored setting. Values are
type-checked on the YAML nodes (`yaml.compose`, SafeLoader) so their line numbers survive; `10`
where a string belongs is an error with a hint to quote it, because YAML would otherwise turn
`"yes"`, `1.10` or `0755` into something else. `tags` is a mapping of keys to values, or the SDK's
list of `{Key: ..., Value: ...}`.

The other is the CreateProcessingJob request itself, JSON or YAML with the API's names, as
`aws sagemaker describe-processing-job` prints it (a top-level key of the API's, or a .json file
without the SDK's names): it goes through `request.definition_from_request`, problems name the
API's field paths, and what only DescribeProcessingJob returns (status, times, ARN) is dropped with
a note. An input's or output's S3Uri may then be a local path, as `source`/`destination` may.

Relative local paths (an input's `source` or `local_source`, an output's `destination`, `code`) are
taken relative to the job file's folder, so a job runs the same from any working directory.
Checking happens in two rounds: first the file's structure and types (all such problems at once),
then, on a well-typed definition, the service's rules in `validation.py`, with each problem's line
looked up by its field path.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
    uri_scheme,
    with_overrides,
)
from launcher.errors import JobDefinitionError, Problem
from launcher.request import definition_from_request
from launcher.request_checks import READ_ONLY
from launcher.service_model import describe_only_keys, request_shape, unknown_field_message
from launcher.validation import find_problems

_TAG = "tag:yaml.org,2002:"
_KINDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "null": "null",
    "timestamp": "a date",
    "binary": "binary data",
    "merge": "a YAML merge key",
}
# SDK arguments a job file may carry over by habit; named so the error says why they are refused.
_SDK_ONLY = {
    "sagemaker_session": "is an SDK argument this kit does not support: each backend makes its own session",
    "wait": "is an SDK argument this kit does not support: byoc run waits for the job",
    "logs": "is an SDK argument this kit does not support: byoc run prints the job's logs",
    "kms_key": "is an SDK argument this kit does not support (run()'s key for uploading code to S3)",
    "s3_input": "is an SDK argument this kit does not support: write source, destination and the s3_* fields",
}
# Top-level keys of a request as DescribeProcessingJob prints it that are not the job's (boto3 adds the last).
_RESPONSE_ONLY = ("ResponseMetadata",)
# Fields a channel needs unless it has one of these (a query or feature group instead of S3, or an app
# that moves its own data); validation says what else is missing.
_REQUIRED_UNLESS: dict[type, dict[str, tuple[str, ...]]] = {
    ProcessingInput: {"source": ("dataset_definition",), "destination": ("dataset_definition", "app_managed")},
    ProcessingOutput: {"destination": ("feature_store_output",), "source": ("feature_store_output", "app_managed")},
}


class _Invalid:
    """Marks a value that failed its type check; its problem has already been recorded."""


_INVALID = _Invalid()


@dataclass(frozen=True, slots=True)
class JobFile:
    """A parsed, well-typed job file: the definition, the line of each field path in it, and notes
    worth telling the user (describe-only keys that were dropped)."""

    path: str
    definition: JobDefinition
    lines: Mapping[str, int]
    notes: tuple[str, ...] = ()

    def line_for(self, field_path: str) -> int | None:
        """The line of the field, or of the nearest enclosing field written in the file."""
        path = field_path
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""
        return None

    def check(self, definition: JobDefinition | None = None, *, overridden: Iterable[str] = ()) -> JobDefinition:
        """Validate `definition` (default: the file's own) and return it, or raise with file and lines.

        Problems in `overridden` fields are not the file's: they carry no file or line.
        """
        definition = self.definition if definition is None else definition
        skip = frozenset(overridden)
        problems = []
        for problem in find_problems(definition):
            if re.split(r"[.\[]", problem.path, maxsplit=1)[0] in skip:
                problems.append(Problem(problem.path, f"{problem.message} (given as an override)"))
            else:
                problems.append(dataclasses.replace(problem, file=self.path, line=self.line_for(problem.path)))
        if problems:
            raise JobDefinitionError(_by_line(problems))
        return definition


def load_job_file(
    path: str | os.PathLike[str], *, on_note: Callable[[str], None] | None = None, **overrides: Any
) -> JobDefinition:
    """Read a job file, apply overrides (`with_overrides`), and validate; raise JobDefinitionError.

    `on_note` receives what the user should know but is no error (keys of a DescribeProcessingJob
    response that were ignored).
    """
    job_file = read_job_file(path)
    for note in job_file.notes:
        if on_note is not None:
            on_note(f"{job_file.path}: {note}")
    return job_file.check(with_overrides(job_file.definition, **overrides), overridden=overrides)


def read_job_file(path: str | os.PathLike[str]) -> JobFile:
    """Parse and type-check a job file, without the service-limit checks (`JobFile.check` does those)."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise JobDefinitionError([Problem("", f"cannot be read: {exc.strerror}", name)]) from exc
    except UnicodeDecodeError as exc:
        raise JobDefinitionError([Problem("", f"is not UTF-8 ({exc.reason} at byte {exc.start})", name)]) from exc
    if name.endswith(".json"):
        text = text.replace("\t", " ")  # JSON's whitespace, but YAML refuses tabs where JSON puts them
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        what = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise JobDefinitionError([Problem("", f"invalid YAML: {what}", name, line)]) from exc
    except yaml.YAMLError as exc:
        raise JobDefinitionError([Problem("", f"invalid YAML: {exc}", name)]) from exc
    if root is None:
        raise JobDefinitionError([Problem("", "is empty; a job file needs at least image_uri", name)])
    reader = _Reader(name, Path(name).absolute().parent)
    if _is_request(root, name):
        return reader.request_file(root)
    return reader.job_file(root)


def _is_request(root: Node, name: str) -> bool:
    """A mapping with one of the API's top-level names (CreateProcessingJob's or DescribeProcessingJob's),
    or a .json file without any of the SDK's names."""
    if not isinstance(root, MappingNode):
        return False
    keys = {str(key.value) for key, _ in root.value if isinstance(key, ScalarNode)}
    fields = {f.name for f in dataclasses.fields(JobDefinition)}
    if keys and keys <= fields:
        return False  # only the SDK's names: no need to read the service model for the API's
    api_names = {*request_shape().members, *describe_only_keys(), *_RESPONSE_ONLY}
    return bool(keys & api_names) or (name.endswith(".json") and not keys & fields)


class _Reader:
    """Turns YAML nodes into typed values, recording a Problem (with its line) for each bad one."""

    def __init__(self, file: str, base_dir: Path) -> None:
        self.file = file
        self.base_dir = base_dir
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}

    def fail(self, node: Node, path: str, message: str) -> _Invalid:
        self.problems.append(Problem(path, message, self.file, node.start_mark.line + 1))
        return _INVALID

    def job_file(self, root: Node) -> JobFile:
        optional_string = self.optional(self.string)
        optional_location = self.optional(self.location)
        athena = self.record(AthenaDatasetDefinition, {})
        redshift = self.record(RedshiftDatasetDefinition, {})
        dataset = self.record(DatasetDefinition, {"athena_dataset_definition": self.optional(athena),
                                                  "redshift_dataset_definition": self.optional(redshift)})
        inputs = self.channels(ProcessingInput, {
            "source": optional_location,
            "local_source": optional_location,
            "dataset_definition": self.optional(dataset),
        })
        outputs = self.channels(ProcessingOutput, {
            "destination": optional_location,
            "feature_store_output": self.optional(self.record(FeatureStoreOutput, {})),
        })
        network = self.record(NetworkConfig, {
            "security_group_ids": self.optional(self.string_list),
            "subnets": self.optional(self.string_list),
        })
        top: dict[str, Callable[[Node, str], object]] = {
            "image_uri": self.string,
            "instance_count": self.integer,
            "instance_type": self.string,
            "entrypoint": self.optional(self.string_list),
            "arguments": self.optional(self.string_list),
            "env": self.strings,
            "volume_size_in_gb": self.integer,
            "max_runtime_in_seconds": self.optional(self.integer),
            "inputs": inputs,
            "outputs": outputs,
            "code": optional_location,
            "command": self.optional(self.string_list),
            "network_config": self.optional(network),
            "tags": self.tags,
            "experiment_config": self.optional(self.strings),
        }
        values = self.fields(root, "", JobDefinition, top, "a mapping of job fields", default=optional_string)
        if self.problems or not isinstance(values, dict):
            raise JobDefinitionError(_by_line(self.problems))
        return JobFile(self.file, JobDefinition(**values), dict(self.lines))

    def request_file(self, root: Node) -> JobFile:
        """A CreateProcessingJob request (or DescribeProcessingJob's response) with the API's names."""
        request = self.plain(root, "")
        assert isinstance(request, dict)  # `_is_request` only lets mappings through
        dropped = sorted(key for key in request if key in describe_only_keys() or key in _RESPONSE_ONLY)
        for key in dropped:
            del request[key]
        resources = request.get("ProcessingResources")
        cluster = resources.get("ClusterConfig") if isinstance(resources, dict) else None
        if isinstance(cluster, dict):
            for path in READ_ONLY:
                key = path.rsplit(".", 1)[1]
                if cluster.pop(key, None) is not None:
                    dropped.append(path)
        notes = (f"ignored {', '.join(dropped)}: DescribeProcessingJob's, not part of the job",) if dropped else ()
        try:
            definition = definition_from_request(request, local=True)
        except JobDefinitionError as error:
            job_file = JobFile(self.file, JobDefinition(""), dict(self.lines))
            raise JobDefinitionError(_by_line([
                dataclasses.replace(problem, file=self.file, line=job_file.line_for(problem.path))
                for problem in error.problems
            ])) from None
        definition = dataclasses.replace(
            definition,
            inputs=tuple(dataclasses.replace(i, source=self.local(i.source)) for i in definition.inputs),
            outputs=tuple(dataclasses.replace(o, destination=self.local(o.destination)) for o in definition.outputs),
        )
        return JobFile(self.file, definition, dict(self.lines), notes)

    def plain(self, node: Node, path: str) -> object:
        """A node as plain JSON-like values, recording the line of every API path (`Tags[0].Key`)."""
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            mapping: dict[object, object] = {}
            for key_node, value_node in node.value:
                key = SafeConstructor().construct_object(key_node) if isinstance(key_node, ScalarNode) else None
                child = f"{path}.{key}" if path else str(key)
                self.lines[child] = key_node.start_mark.line + 1
                mapping[key] = self.plain(value_node, child)
            return mapping
        if isinstance(node, SequenceNode):
            return [self.plain(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return SafeConstructor().construct_object(node)

    def local(self, location: str | None) -> str | None:
        """A local location made absolute against the job file's folder; anything else unchanged."""
        if location is None or not location or uri_scheme(location):
            return location
        local = os.path.expanduser(location)
        if not os.path.isabs(local):
            local = os.path.normpath(self.base_dir / local) + ("/" if local.endswith("/") else "")
        return local

    def fields(
        self,
        node: Node,
        path: str,
        cls: type,
        parsers: Mapping[str, Callable[[Node, str], object]],
        what: str,
        default: Callable[[Node, str], object] | None = None,
    ) -> dict[str, Any] | _Invalid:
        """A mapping whose keys are `cls`'s field names: required ones present, no others. Fields
        without a parser of their own are read by `default`, else by their default value's type."""
        first_problem = len(self.problems)
        if not isinstance(node, MappingNode):
            return self.fail(node, path, f"expected {what}, got {_kind(node)}")
        names = [f.name for f in dataclasses.fields(cls)]
        values: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path, "field names")
            if key is None:
                continue
            field_path = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                self.fail(key_node, field_path, f"appears twice (first at line {seen[key]})")
                continue
            seen[key] = line
            if key not in names:
                self.fail(key_node, field_path, _unknown_key_message(key, names))
                continue
            self.lines[field_path] = line
            parse = parsers.get(key) or default or self.parser_for(cls, key)
            value = parse(value_node, field_path)
            if value is not _INVALID:
                values[key] = value
        unless = _REQUIRED_UNLESS.get(cls, {})
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if f.name in unless:
                required = not any(other in seen for other in unless[f.name])
            if required and f.name not in seen:
                self.fail(node, f"{path}.{f.name}" if path else f.name, "missing required field")
        return values if len(self.problems) == first_problem else _INVALID

    def parser_for(self, cls: type, name: str) -> Callable[[Node, str], object]:
        """A field's parser from its default: a boolean, an integer, or an (optional) string."""
        default = next(f.default for f in dataclasses.fields(cls) if f.name == name)
        if isinstance(default, bool):
            return self.boolean
        if default is None and "bool" in str(next(f.type for f in dataclasses.fields(cls) if f.name == name)):
            return self.optional(self.boolean)
        return self.optional(self.string) if default is None else self.string

    def record(self, cls: type, parsers: Mapping[str, Callable[[Node, str], object]]) -> Callable[[Node, str], object]:
        """A parser for a nested record (`network_config`, `dataset_definition`, ...): its fields by name."""

        def parse_record(node: Node, path: str) -> object:
            values = self.fields(node, path, cls, parsers, f"a mapping of {cls.__name__} fields")
            return values if isinstance(values, _Invalid) else cls(**values)

        return parse_record

    def key(self, node: Node, path: str, what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return str(node.value)
        shown = f" {node.value}" if isinstance(node, ScalarNode) else ""
        self.fail(node, path, f"keys must be {what}, got {_kind(node)}{shown}")
        return None

    def optional(self, parse: Callable[[Node, str], object]) -> Callable[[Node, str], object]:
        def parse_optional(node: Node, path: str) -> object:
            return None if _is_null(node) else parse(node, path)

        return parse_optional

    def string(self, node: Node, path: str) -> str | _Invalid:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return str(node.value)
        if isinstance(node, ScalarNode) and not _is_null(node) and node.tag.startswith(_TAG):
            return self.fail(
                node,
                path,
                f"expected a string, got {_kind(node)} {node.value}; quote it if you mean the string: '{node.value}'",
            )
        return self.fail(node, path, f"expected a string, got {_kind(node)}")

    def integer(self, node: Node, path: str) -> int | _Invalid:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "int":
            value = SafeConstructor().construct_object(node)
            assert isinstance(value, int)
            return value
        shown = ""
        if isinstance(node, ScalarNode) and not _is_null(node):
            shown = f" {node.value!r}" if node.tag == _TAG + "str" else f" {node.value}"
        return self.fail(node, path, f"expected an integer, got {_kind(node)}{shown}")

    def location(self, node: Node, path: str) -> str | _Invalid:
        """A string that may be a local path: made absolute against the job file's folder."""
        value = self.string(node, path)
        if isinstance(value, _Invalid) or not value or uri_scheme(value):
            return value
        local = os.path.expanduser(value)
        if not os.path.isabs(local):
            local = os.path.normpath(self.base_dir / local) + ("/" if local.endswith("/") else "")
        return local

    def string_list(self, node: Node, path: str) -> tuple[str, ...] | _Invalid:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            example = ", ".join(str(node.value).split()) or "..."
            return self.fail(node, path, f"expected a list of strings, got a string; write it as a list: [{example}]")
        if not isinstance(node, SequenceNode):
            return self.fail(node, path, f"expected a list of strings, got {_kind(node)}")
        items = []
        for i, item_node in enumerate(node.value):
            self.lines[f"{path}[{i}]"] = item_node.start_mark.line + 1
            items.append(self.string(item_node, f"{path}[{i}]"))
        strings = [item for item in items if isinstance(item, str)]
        return tuple(strings) if len(strings) == len(items) else _INVALID

    def boolean(self, node: Node, path: str) -> bool | _Invalid:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "bool":
            value = SafeConstructor().construct_object(node)
            assert isinstance(value, bool)
            return value
        shown = f" {node.value!r}" if isinstance(node, ScalarNode) and not _is_null(node) else ""
        return self.fail(node, path, f"expected true or false, got {_kind(node)}{shown}")

    def strings(self, node: Node, path: str) -> dict[str, str] | _Invalid:
        """A mapping of names to strings (`env`, `experiment_config`); null is an empty one."""
        if _is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            return self.fail(node, path, f"expected a mapping of names to strings, got {_kind(node)}")
        entries = [(key_node, key_node, value_node) for key_node, value_node in node.value]
        return self.entries(entries, path, "variable names" if path == "env" else "names")

    def tags(self, node: Node, path: str) -> dict[str, str] | _Invalid:
        """A mapping of tag keys to values, or the SDK's list of `{Key: ..., Value: ...}`."""
        if _is_null(node):
            return {}
        if isinstance(node, MappingNode):
            return self.entries([(key, key, value) for key, value in node.value], path, "tag keys")
        if not isinstance(node, SequenceNode):
            return self.fail(node, path, f"expected a mapping of tag keys to values, got {_kind(node)}")
        first_problem = len(self.problems)
        entries = []
        for i, item in enumerate(node.value):
            pair = dict(item.value) if isinstance(item, MappingNode) else {}
            keys = {str(k.value): (k, v) for k, v in pair.items() if isinstance(k, ScalarNode)}
            if set(keys) != {"Key", "Value"}:
                self.fail(item, f"{path}[{i}]", "expected a mapping with Key and Value (or write tags as a "
                                                "mapping: {team: ml})")
                continue
            entries.append((item, keys["Key"][1], keys["Value"][1]))
        result = self.entries(entries, path, "tag keys")
        return result if len(self.problems) == first_problem else _INVALID

    def entries(self, entries: list[tuple[Node, Node, Node]], path: str, what: str) -> dict[str, str] | _Invalid:
        """(where, key, value) nodes as a mapping of strings, each entry's line kept under `path.key`."""
        first_problem = len(self.problems)
        result: dict[str, str] = {}
        seen: dict[str, int] = {}
        for where, key_node, value_node in entries:
            key = self.key(key_node, path, what)
            if key is None:
                continue
            entry_path = f"{path}.{key}"
            if key in seen:
                self.fail(where, entry_path, f"appears twice (first at line {seen[key]})")
                continue
            seen[key] = self.lines[entry_path] = where.start_mark.line + 1
            value = self.string(value_node, entry_path)
            if isinstance(value, str):
                result[key] = value
        return result if len(self.problems) == first_problem else _INVALID

    def channels(
        self,
        cls: type[ProcessingInput] | type[ProcessingOutput],
        parsers: Mapping[str, Callable[[Node, str], object]],
    ) -> Callable[[Node, str], object]:
        """A parser for `inputs` or `outputs`: a list of mappings with the SDK class's field names."""

        def parse_channels(node: Node, path: str) -> tuple[Any, ...] | _Invalid:
            if _is_null(node):
                return ()
            if not isinstance(node, SequenceNode):
                return self.fail(node, path, f"expected a list of mappings, got {_kind(node)}")
            items: list[Any] = []
            for i, item_node in enumerate(node.value):
                item_path = f"{path}[{i}]"
                self.lines[item_path] = item_node.start_mark.line + 1
                values = self.fields(item_node, item_path, cls, parsers, f"a mapping of {cls.__name__} fields")
                items.append(values if isinstance(values, _Invalid) else cls(**values))
            return _INVALID if any(isinstance(item, _Invalid) for item in items) else tuple(items)

        return parse_channels


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    tag = str(node.tag)
    return _KINDS.get(tag.removeprefix(_TAG), f"a value tagged {tag}")


def _unknown_key_message(key: str, names: list[str]) -> str:
    return _SDK_ONLY.get(key) or unknown_field_message(key, names)


def _by_line(problems: list[Problem]) -> list[Problem]:
    """File order reads best; problems without a line (whole file, overrides) come first."""
    return sorted(problems, key=lambda p: -1 if p.line is None else p.line)
