"""A JobDefinition as a job file: YAML with the SDK's names, the inverse of `jobfile.load_job_file`.

Fields are written in the definition's order and only when they differ from their defaults (the job's
size, instance_count and instance_type, always), so the file reads like one a person wrote; strings
that YAML would take for numbers or booleans are quoted, so the file loads back to the same definition
(tested). Local paths are written as they are held (absolute when they came from outside a job file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from launcher.definition import JobDefinition

ALWAYS_WRITTEN = frozenset({"instance_count", "instance_type"})


def job_file_text(definition: JobDefinition, *, comments: Iterable[str] = ()) -> str:
    """The job file for `definition`, after a `# ` line for each of `comments`."""
    header = "".join(f"# {line}\n" if line else "#\n" for line in comments)
    body = yaml.safe_dump(_fields(definition), sort_keys=False, allow_unicode=True, width=120)
    return header + body


def _fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields that differ from their defaults, as plain YAML values."""
    found: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = dataclasses.MISSING
        if value == default and not (isinstance(record, JobDefinition) and field.name in ALWAYS_WRITTEN):
            continue
        found[field.name] = _plain(value)
    return found


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value
