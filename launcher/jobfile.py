"""Read a YAML job file into a JobDefinition, with every error pointing at a file, line and field.

The file's keys are JobDefinition's field names, the SDK's, and nothing else: an unknown key is an
error with a "did you mean", not a silently ignored setting. Values are type-checked on the YAML
nodes (`yaml.compose`, SafeLoader) so their line numbers survive; `10` where a string belongs is an
error with a hint to quote it, because YAML would otherwise turn `"yes"`, `1.10` or `0755` into
something else. Relative local paths (an input's `source`, an output's `destination`, `code`) are
taken relative to the job file's folder, so a job runs the same from any working directory.

Checking happens in two rounds: first the file's structure and types (all such problems at once),
then, on a well-typed definition, the service limits in `validation.py`, with each problem's line
looked up by its field path.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput, uri_scheme, with_overrides
from launcher.errors import JobDefinitionError, Problem
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
_SDK_ONLY = frozenset(
    {
        "volume_kms_key",
        "output_kms_key",
        "kms_key",
        "tags",
        "network_config",
        "sagemaker_session",
        "experiment_config",
        "wait",
        "logs",
        "s3_input",
        "dataset_definition",
        "app_managed",
        "feature_store_output",
    }
)


class _Invalid:
    """Marks a value that failed its type check; its problem has already been recorded."""


_INVALID = _Invalid()
_Record = type[JobDefinition] | type[ProcessingInput] | type[ProcessingOutput]


@dataclass(frozen=True, slots=True)
class JobFile:
    """A parsed, well-typed job file: the definition and the line of each field path in it."""

    path: str
    definition: JobDefinition
    lines: Mapping[str, int]

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


def load_job_file(path: str | os.PathLike[str], **overrides: Any) -> JobDefinition:
    """Read a job file, apply overrides (`with_overrides`), and validate; raise JobDefinitionError."""
    job_file = read_job_file(path)
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
    return _Reader(name, Path(name).absolute().parent).job_file(root)


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
        top: dict[str, Callable[[Node, str], object]] = {
            "image_uri": self.string,
            "role": self.optional(self.string),
            "instance_count": self.integer,
            "instance_type": self.string,
            "entrypoint": self.optional(self.string_list),
            "arguments": self.optional(self.string_list),
            "env": self.env,
            "volume_size_in_gb": self.integer,
            "max_runtime_in_seconds": self.optional(self.integer),
            "job_name": self.optional(self.string),
            "base_job_name": self.optional(self.string),
            "inputs": self.channels(ProcessingInput, {"source": self.location}),
            "outputs": self.channels(ProcessingOutput, {"destination": self.location}),
            "code": self.optional(self.location),
            "command": self.optional(self.string_list),
        }
        values = self.fields(root, "", JobDefinition, top, "a mapping of job fields")
        if self.problems or not isinstance(values, dict):
            raise JobDefinitionError(_by_line(self.problems))
        return JobFile(self.file, JobDefinition(**values), dict(self.lines))

    def fields(
        self, node: Node, path: str, cls: _Record, parsers: Mapping[str, Callable[[Node, str], object]], what: str
    ) -> dict[str, Any] | _Invalid:
        """A mapping whose keys are exactly `cls`'s field names: required ones present, no others."""
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
            if key not in parsers:
                self.fail(key_node, field_path, _unknown_key_message(key, names))
                continue
            self.lines[field_path] = line
            value = parsers[key](value_node, field_path)
            if value is not _INVALID:
                values[key] = value
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and f.name not in seen:
                self.fail(node, f"{path}.{f.name}" if path else f.name, "missing required field")
        return values if len(self.problems) == first_problem else _INVALID

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

    def env(self, node: Node, path: str) -> dict[str, str] | _Invalid:
        if _is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            return self.fail(node, path, f"expected a mapping of names to strings, got {_kind(node)}")
        first_problem = len(self.problems)
        env: dict[str, str] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path, "variable names")
            if key is None:
                continue
            entry_path = f"{path}.{key}"
            if key in seen:
                self.fail(key_node, entry_path, f"appears twice (first at line {seen[key]})")
                continue
            seen[key] = self.lines[entry_path] = key_node.start_mark.line + 1
            value = self.string(value_node, entry_path)
            if isinstance(value, str):
                env[key] = value
        return env if len(self.problems) == first_problem else _INVALID

    def channels(
        self,
        cls: type[ProcessingInput] | type[ProcessingOutput],
        locations: Mapping[str, Callable[[Node, str], object]],
    ) -> Callable[[Node, str], object]:
        """A parser for `inputs` or `outputs`: a list of mappings with the SDK class's field names."""
        parsers = {f.name: locations.get(f.name, self.string) for f in dataclasses.fields(cls)}

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
    if key in _SDK_ONLY:
        return "is an SDK argument this kit does not support"
    close = difflib.get_close_matches(key, names, n=1)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    return f"unknown field; expected one of {', '.join(names)}"


def _by_line(problems: list[Problem]) -> list[Problem]:
    """File order reads best; problems without a line (whole file, overrides) come first."""
    return sorted(problems, key=lambda p: -1 if p.line is None else p.line)
