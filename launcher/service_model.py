"""botocore's own SageMaker service model, and a checker that walks any of its shapes.

The service's limits (types, required members, lengths, ranges, patterns, enums such as the
processing instance types) are read from the model that ships with boto3, so they follow the API
as boto3 is upgraded instead of being copied by hand. The model (2.6 MB of JSON) is read on first
use only, once per process, from where botocore's own loader finds it; botocore itself is not
imported: its import (urllib3 and the rest) costs more than reading the model, and validation runs
before every job. `Shape` offers the part of `botocore.model.Shape`'s interface the checker uses.

The model's patterns are written for Java's regex engine; `python_pattern` translates the few
constructs Python's `re` lacks (`\\p{L}`-style classes, surrogate-pair ranges). A pattern it cannot
translate raises, and the unit tests compile every pattern CreateProcessingJob uses, so a new one
fails there and not in a user's run.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import importlib.util
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from launcher.errors import Problem

OPERATION = "CreateProcessingJob"
# Patterns described in words: "'x' is not <description>". Keyed by the model's shape name.
DESCRIPTIONS = {
    "RoleArn": "an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
    "S3Uri": "a valid S3 URI (s3://bucket/prefix)",
    "ProcessingJobName": "a valid job name: use letters, digits and hyphens, starting and ending with a letter "
    "or digit",
    "ProcessingEnvironmentKey": "a valid variable name: use letters, digits and _, not starting with a digit",
    "ProcessingInstanceType": "a SageMaker Processing instance type",
    "KmsKeyId": "a KMS key ID, ARN or alias (letters, digits and : / _ -)",
    "SecurityGroupId": "a security group ID (letters, digits and hyphens, e.g. sg-0123456789abcdef0)",
    "SubnetId": "a subnet ID (letters, digits and hyphens, e.g. subnet-0123456789abcdef0)",
    "TagKey": "a valid tag key: use letters, digits, spaces and _ . : / = + - @",
    "TagValue": "a valid tag value: use letters, digits, spaces and _ . : / = + - @",
    "FeatureGroupName": "a valid feature group name: use letters, digits, _ and -, starting and ending with a "
    "letter or digit",
    "ExperimentEntityName": "a valid experiment entity name: use letters, digits and hyphens, starting and "
    "ending with a letter or digit",
    "AthenaWorkGroup": "a valid Athena work group name (letters, digits and . _ -)",
}
# Java's `.`: anything but a line terminator.
_JAVA_DOT = r"[^\n\r\u0085\u2028\u2029]"
# Enums longer than this are not listed in full: the message suggests the closest value instead.
MAX_LISTED_CHOICES = 12
_UNICODE_CLASSES = {
    # Python's `[^\W_]` is exactly the letters and numbers (`str.isalnum`): \p{L} and \p{N}.
    "L": r"[^\W_]",
    "N": r"[^\W_]",
    # Unicode's space separators (Zs), line (Zl) and paragraph (Zp) separators.
    "Z": r"[\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
}


class Shape:
    """One shape of the model, with `botocore.model.Shape`'s names: `type_name`, `metadata` (min,
    max, pattern), `enum`, `members` and `required_members` (structures), `member` (lists), `key`
    and `value` (maps)."""

    def __init__(self, name: str, shapes: Mapping[str, Any]) -> None:
        self.name = name
        self._shapes = shapes
        self._spec: Mapping[str, Any] = shapes[name]
        self.type_name: str = self._spec["type"]
        self.metadata: dict[str, Any] = {k: self._spec[k] for k in ("min", "max", "pattern") if k in self._spec}
        self.enum: list[str] = list(self._spec.get("enum", ()))
        self.required_members: list[str] = list(self._spec.get("required", ()))

    @functools.cached_property
    def members(self) -> dict[str, Shape]:
        return {name: Shape(ref["shape"], self._shapes) for name, ref in self._spec.get("members", {}).items()}

    @functools.cached_property
    def member(self) -> Shape:
        return self._ref("member")

    @functools.cached_property
    def key(self) -> Shape:
        return self._ref("key")

    @functools.cached_property
    def value(self) -> Shape:
        return self._ref("value")

    def _ref(self, role: str) -> Shape:
        """A list's or map's part; AttributeError on any other shape, as botocore's shapes do."""
        if role not in self._spec:
            raise AttributeError(f"{self.type_name} shape {self.name} has no {role}")
        return Shape(self._spec[role]["shape"], self._shapes)


@functools.cache
def sagemaker_model() -> Mapping[str, Any]:
    """SageMaker's service model (`service-2.json`) as botocore ships it, read once per process."""
    path = model_path()
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as stream:
        model: Mapping[str, Any] = json.load(stream)
    return model


def model_path() -> str:
    """The file botocore's loader reads for SageMaker: the newest API version found in AWS_DATA_PATH,
    ~/.aws/models or botocore's own data folder, from the first of them that holds it."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("botocore is not installed; it comes with boto3, a dependency of this kit")
    extra = [os.path.expanduser(os.path.expandvars(p)) for p in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep)]
    roots = [*filter(None, extra), os.path.expanduser("~/.aws/models"),
             os.path.join(next(iter(spec.submodule_search_locations)), "data")]
    folders = [os.path.join(root, "sagemaker") for root in roots]
    versions = sorted({v for folder in folders if os.path.isdir(folder) for v in os.listdir(folder)})
    for version in reversed(versions):
        for root in roots:
            for name in ("service-2.json", "service-2.json.gz"):
                path = os.path.join(root, "sagemaker", version, name)
                if os.path.isfile(path):
                    return path
    raise FileNotFoundError(f"botocore's SageMaker service model is not in {', '.join(roots)}")


@functools.cache
def _operation_shape(operation: str, role: str) -> Shape:
    """An operation's input or output shape; built once, its members as they are first walked."""
    model = sagemaker_model()
    return Shape(model["operations"][operation][role]["shape"], model["shapes"])


def request_shape() -> Shape:
    """The input shape of CreateProcessingJob."""
    return _operation_shape(OPERATION, "input")


def shape_at(path: str) -> Shape:
    """The shape at an API path below CreateProcessingJob's input, e.g. `ProcessingInputs[].S3Input.S3Uri`
    (`[]` for a list's items, `.key` and `.value` for a map's)."""
    shape = request_shape()
    for part in re.findall(r"[^.\[\]]+|\[\]", path):
        if part == "[]":
            shape = shape.member
        elif shape.type_name == "map":
            shape = getattr(shape, part)
        else:
            shape = shape.members[part]
    return shape


def processing_instance_types() -> tuple[str, ...]:
    """Every instance type CreateProcessingJob accepts, in the model's order."""
    return tuple(shape_at("ProcessingResources.ClusterConfig.InstanceType").enum)


def describe_only_keys() -> frozenset[str]:
    """Top-level keys DescribeProcessingJob returns that CreateProcessingJob does not take (status, times, ARN)."""
    described = _operation_shape("DescribeProcessingJob", "output").members
    return frozenset(described) - frozenset(request_shape().members)


@functools.cache
def python_pattern(pattern: str) -> re.Pattern[str]:
    """The model's (Java) regular expression as a compiled Python one, matched whole.

    Translated to Java's meaning: `.` matches no line terminator (Python's only leaves out \\n),
    `\\d` only ASCII digits, `\\p{L}`, `\\p{N}` and `\\p{Z}` inside a class, and a surrogate-pair
    range `\\uD800\\uDC00-\\uDBFF\\uDFFF` the code points it stands for.
    """
    translated = pattern.replace("\\uD800\\uDC00-\\uDBFF\\uDFFF", "\\U00010000-\\U0010FFFF")
    parts = re.split(r"(\[(?:\\.|[^\]\\])*\]|\\.)", translated)
    out = []
    for part in parts:
        if part.startswith("["):
            out.append(_translate_class(part[1:-1]))
        elif part == "\\d":
            out.append("[0-9]")
        elif part.startswith("\\"):
            out.append(part)
        else:
            out.append(part.replace(".", _JAVA_DOT))
    translated = "".join(out)
    if "\\p" in translated:
        raise ValueError(f"cannot translate the model's pattern {pattern!r}")
    return re.compile(translated)


def _translate_class(body: str) -> str:
    properties = re.findall(r"\\p\{(\w+)\}", body)
    body = body.replace("\\d", "0-9")
    if not properties:
        return f"[{body}]"
    if body.startswith("^") or any(name not in _UNICODE_CLASSES for name in properties):
        raise ValueError(f"cannot translate the character class [{body}]")
    rest = re.sub(r"\\p\{\w+\}", "", body)
    parts = dict.fromkeys(_UNICODE_CLASSES[name] for name in properties)
    return "(?:" + "|".join([*parts, *([f"[{rest}]"] if rest else [])]) + ")"


class Paths(Protocol):
    """How the checker names a field: the API path it walks (`ProcessingInputs[0].S3Input.S3Uri`)
    shown as the caller's user knows it (`inputs[0].source` for a job file with the SDK's names)."""

    def show(self, path: str) -> str:
        """The name of the field at an API path, as the user wrote it."""
        ...

    def first_choice(self, path: str) -> str | None:
        """The enum value to list first for this field (its default), if any."""
        ...

    def subject(self, path: str) -> str:
        """Words before a message about the string at this path (`value ` for a value shown by its key)."""
        ...


class ApiPaths:
    """Paths shown as the API writes them: for requests sent to the endpoint and JSON job files."""

    def show(self, path: str) -> str:
        return path

    def first_choice(self, path: str) -> str | None:
        return None

    def subject(self, path: str) -> str:
        return ""


@dataclass
class ShapeChecker:
    """Walks a value against a shape and collects every way it breaks the model, each naming its field.

    `optional` lists API paths the caller may leave out although the model requires them; `skip(path,
    value)` says a string is checked by the caller's own rules instead (a local path where an S3 URI
    goes, for the local backend). A value with one problem gets one message: a string too long is not
    also reported as not matching its pattern.
    """

    paths: Paths = field(default_factory=ApiPaths)
    optional: frozenset[str] = frozenset()
    skip: Callable[[str, object], bool] = lambda path, value: False
    problems: list[tuple[str, Problem]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record a problem at an API path; `problems` keeps the API path beside the shown one."""
        self.problems.append((path, Problem(self.paths.show(path), message)))

    def check(self, value: object, shape: Shape, path: str = "") -> None:
        kind = shape.type_name
        if kind == "structure":
            self._structure(value, shape, path)
        elif kind == "list":
            self._list(value, shape, path)
        elif kind == "map":
            self._map(value, shape, path)
        elif kind == "string":
            self._string(value, shape, path)
        elif kind in ("integer", "long"):
            self._integer(value, shape, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.add(path, f"expected a boolean, got {describe(value)}")
        else:  # no other kind occurs in CreateProcessingJob; fail loudly if a model update adds one
            raise NotImplementedError(f"{path}: shape type {kind!r} is not checked")

    def _structure(self, value: object, shape: Shape, path: str) -> None:
        if not isinstance(value, Mapping):
            self.add(path, f"expected a mapping, got {describe(value)}")
            return
        prefix = f"{path}." if path else ""
        members = shape.members
        for name in shape.required_members:
            if name not in value and f"{prefix}{name}" not in self.optional:
                self.add(f"{prefix}{name}", "missing required field")
        for key in value:
            if key not in members:
                self.add(f"{prefix}{key}", unknown_field_message(str(key), list(members)))
        for name, member in members.items():
            if name in value:
                self.check(value[name], member, f"{prefix}{name}")

    def _list(self, value: object, shape: Shape, path: str) -> None:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            of = " of strings" if shape.member.type_name == "string" else ""
            self.add(path, f"expected a list{of}, got {describe(value)}")
            return
        self._count(path, len(value), shape.metadata, "items")
        for i, item in enumerate(value):
            self.check(item, shape.member, f"{path}[{i}]")

    def _map(self, value: object, shape: Shape, path: str) -> None:
        if not isinstance(value, Mapping):
            self.add(path, f"expected a mapping of strings, got {describe(value)}")
            return
        self._count(path, len(value), shape.metadata, "entries")
        for key, item in value.items():
            entry = f"{path}.{key}"
            if not isinstance(key, str):
                self.add(entry, f"expected a string name, got {describe(key)}")
                continue
            self._string(key, shape.key, entry)
            self._string(item, shape.value, entry, subject="value ")

    def _count(self, path: str, count: int, limits: Mapping[str, Any], noun: str) -> None:
        low, high = limits.get("min", 0), limits.get("max")
        if count < low or (high is not None and count > high):
            allowed = f"{low} to {high}" if low else f"at most {high}"
            if high is None:
                allowed = f"at least {low}"
            self.add(path, f"has {count} {noun}; the service allows {allowed}")

    def _string(self, value: object, shape: Shape, path: str, subject: str = "") -> None:
        if not isinstance(value, str):
            self.add(path, f"expected a string, got {describe(value)}")
            return
        if self.skip(path, value):
            return
        subject = subject or self.paths.subject(path)
        if shape.enum:
            self._choice(value, shape, path)
            return
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
        pattern = shape.metadata.get("pattern")
        what = DESCRIPTIONS.get(shape.name)
        if high is not None and len(value) > high:
            self.add(path, f"{subject}is {len(value)} characters long; the service allows at most {high}")
        elif not value and low:
            self.add(path, f"{subject}must not be empty")
        elif len(value) < low and what is None:
            self.add(path, f"{subject}is {len(value)} characters long; the service needs at least {low}")
        elif len(value) < low or (pattern is not None and not python_pattern(pattern).fullmatch(value)):
            if what is None:
                self.add(path, f"{subject}{value!r} does not match the service's pattern {pattern}")
            else:
                self.add(path, f"{subject}{value!r} is not {what}")

    def _choice(self, value: str, shape: Shape, path: str) -> None:
        choices: list[str] = list(shape.enum)
        if value in choices:
            return
        if len(choices) > MAX_LISTED_CHOICES:
            what = DESCRIPTIONS.get(shape.name, "a value the service accepts")
            self.add(path, f"{value!r} is not {what} (e.g. {closest(value, choices)})")
            return
        first = self.paths.first_choice(path)
        if first in choices:
            choices.remove(first)
            choices.insert(0, first)
        self.add(path, f"{value!r} is not one of {', '.join(choices)}")

    def _integer(self, value: object, shape: Shape, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"expected an integer, got {describe(value)}")
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                self.add(path, f"{value} is out of range: the service allows {low} to {high}")
            else:
                self.add(path, f"{value} is out of range: the service allows "
                               + (f"at least {low}" if low is not None else f"at most {high}"))


def closest(value: str, choices: Sequence[str]) -> str:
    """The choice the user most likely meant: the shortest one containing `value` (`m5.xlarge` ->
    `ml.m5.xlarge`), else the most similar, else the first."""
    containing = sorted((c for c in choices if value and value.lower() in c.lower()), key=len)
    similar = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return (containing or similar or list(choices))[0]


def unknown_field_message(key: str, names: list[str]) -> str:
    """`unknown field; did you mean 'x'?`, or the list of fields when nothing is close."""
    close = difflib.get_close_matches(key, names, n=1)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    return f"unknown field; expected one of {', '.join(names)}"


def describe(value: object) -> str:
    """`int 5`, `str 'x'`, `None`: enough to see what went wrong without the type's module path."""
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"
