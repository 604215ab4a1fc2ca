"""The service model's constraints botocore's ParamValidator leaves to the service: maximum lengths and
values, patterns and enums. Messages read as the service's own ("Value 'x' at 'processingJobName' failed to
satisfy constraint: Member must satisfy regular expression pattern: ...") with the field's wire path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape

_MAX_SHOWN = 256


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)  # lenient on newlines: a refusal must be certain
    except re.error:  # a Java-only construct: leave that field to the definition's own checks
        return None


def check_constraints(params: Mapping[str, Any], shape: Shape) -> list[str]:
    problems: list[str] = []
    _walk(params, shape, "", problems)
    return problems


def _member_path(parent: str, name: str) -> str:
    wire = name[:1].lower() + name[1:]
    return f"{parent}.{wire}" if parent else wire


def _walk(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                _walk(value[name], member, _member_path(path, name), problems)
    elif kind == "list" and isinstance(value, list):
        _check_size(value, len(value), shape, path, problems, "length")
        for index, item in enumerate(value, start=1):
            _walk(item, shape.member, f"{path}.{index}.member", problems)
    elif kind == "map" and isinstance(value, Mapping):
        _check_size(value, len(value), shape, path, problems, "length")
        for key, item in value.items():
            _walk(key, shape.key, f"{path}.{key}.key", problems)
            _walk(item, shape.value, f"{path}.{key}.value", problems)
    elif kind == "string" and isinstance(value, str):
        _check_string(value, shape, path, problems)
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        maximum = shape.metadata.get("max")
        if maximum is not None and value > maximum:
            problems.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                            f"Member must have value less than or equal to {maximum}")


def _check_size(value: Any, size: int, shape: Shape, path: str, problems: list[str], what: str) -> None:
    maximum = shape.metadata.get("max")
    if maximum is not None and size > maximum:
        problems.append(f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                        f"Member must have {what} less than or equal to {maximum}")


def _check_string(value: str, shape: Shape, path: str, problems: list[str]) -> None:
    _check_size(value, len(value), shape, path, problems, "length")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        problems.append(f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                        f"Member must satisfy enum value set: [{', '.join(enum)}]")
    pattern = shape.metadata.get("pattern")
    compiled = _pattern(pattern) if pattern else None
    if compiled is not None and compiled.fullmatch(value) is None:
        problems.append(f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: "
                        f"Member must satisfy regular expression pattern: {pattern}")


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."
