"""Check a JobDefinition against the service's own limits before anything is started or uploaded.

The limits are CreateProcessingJob's (API model shapes, see docs/processing-contract.md section 9),
so a job that passes here is not refused by a ValidationException after minutes of uploading, and
the local backend refuses exactly what SageMaker would. Every problem is collected and reported
at once, each naming its field. Python-built definitions are type-checked too, because nothing
else stops `instance_count="2"` before it reaches the service.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

from launcher.definition import (
    CODE_CONTAINER_PATH,
    CODE_INPUT_NAME,
    MAX_BASE_JOB_NAME_LENGTH,
    MAX_JOB_NAME_LENGTH,
    PROCESSING_ROOT,
    JobDefinition,
    ProcessingInput,
    ProcessingOutput,
    code_script_path,
    uri_scheme,
)
from launcher.errors import JobDefinitionError, Problem

JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
# A base name only needs to start right: the timestamp supplies the alphanumeric end.
BASE_JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]*")
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
S3_URI_PATTERN = re.compile(r"(https|s3)://([^/]+)/?(.*)")
ENV_KEY_PATTERN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Our check, not the API's: all of the API's instance types have this shape; it catches `m5.xlarge`.
INSTANCE_TYPE_PATTERN = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")

INPUT_MODES = ("File", "Pipe")
DATA_TYPES = ("S3Prefix", "ManifestFile")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")
COMPRESSIONS = ("None", "Gzip")
UPLOAD_MODES = ("EndOfJob", "Continuous")

MAX_CHANNELS = 10
MAX_LIST_ITEMS = 100
MAX_ITEM_LENGTH = 256
MAX_IMAGE_URI_LENGTH = 255
MAX_S3_URI_LENGTH = 1024
MAX_LOCAL_PATH_LENGTH = 256
MAX_ENV_ENTRIES = 100
ROLE_ARN_LENGTH = (20, 2048)
INSTANCE_COUNT_RANGE = (1, 100)
VOLUME_SIZE_RANGE = (1, 16384)
MAX_RUNTIME_RANGE = (1, 777600)


def validate(definition: JobDefinition) -> None:
    """Raise JobDefinitionError listing every problem, or return if the service would accept the job."""
    problems = find_problems(definition)
    if problems:
        raise JobDefinitionError(problems)


def find_problems(definition: JobDefinition) -> list[Problem]:
    """Every problem with the definition, in field order; empty when it is valid."""
    checker = _Checker()
    checker.check(definition)
    return checker.problems


class _Checker:
    """Collects problems; each `_check_*` method looks at one field and never stops at the first fault."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # Normalized container path -> the field that claimed it first.
        self._local_paths: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def check(self, d: JobDefinition) -> None:
        self._check_image_uri(d.image_uri)
        self._check_role(d.role)
        self._check_int("instance_count", d.instance_count, INSTANCE_COUNT_RANGE)
        self._check_instance_type(d.instance_type)
        self._check_string_list("entrypoint", d.entrypoint, MAX_LIST_ITEMS)
        self._check_string_list("arguments", d.arguments, MAX_LIST_ITEMS)
        self._check_env(d.env)
        self._check_int("volume_size_in_gb", d.volume_size_in_gb, VOLUME_SIZE_RANGE)
        if d.max_runtime_in_seconds is not None:
            self._check_int("max_runtime_in_seconds", d.max_runtime_in_seconds, MAX_RUNTIME_RANGE)
        self._check_job_name(d.job_name)
        self._check_base_job_name(d.base_job_name)
        if isinstance(d.code, str):
            # Claimed first: a user input on the same path is the one to move.
            self._local_paths[CODE_CONTAINER_PATH] = "the code input"
        self._check_inputs(d.inputs, has_code=d.code is not None)
        self._check_outputs(d.outputs)
        self._check_code(d)

    def _check_str(self, path: str, value: object, *, empty_ok: bool = False) -> bool:
        if not isinstance(value, str):
            self.add(path, f"expected a string, got {_describe(value)}")
            return False
        if not value and not empty_ok:
            self.add(path, "must not be empty")
            return False
        return True

    def _check_length(self, path: str, value: str, limit: int) -> bool:
        if len(value) > limit:
            self.add(path, f"is {len(value)} characters long; the service allows at most {limit}")
            return False
        return True

    def _check_int(self, path: str, value: object, bounds: tuple[int, int]) -> None:
        low, high = bounds
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"expected an integer, got {_describe(value)}")
        elif not low <= value <= high:
            self.add(path, f"{value} is out of range: the service allows {low} to {high}")

    def _check_choice(self, path: str, value: object, choices: tuple[str, ...]) -> bool:
        if not self._check_str(path, value):
            return False
        if value not in choices:
            self.add(path, f"{value!r} is not one of {', '.join(choices)}")
            return False
        return True

    def _check_image_uri(self, value: object) -> None:
        if self._check_str("image_uri", value):
            assert isinstance(value, str)
            self._check_length("image_uri", value, MAX_IMAGE_URI_LENGTH)

    def _check_role(self, value: object) -> None:
        if value is None or not self._check_str("role", value):
            return
        assert isinstance(value, str)
        low, high = ROLE_ARN_LENGTH
        if not ROLE_ARN_PATTERN.fullmatch(value) or not low <= len(value) <= high:
            self.add("role", f"{value!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")

    def _check_instance_type(self, value: object) -> None:
        if self._check_str("instance_type", value) and not INSTANCE_TYPE_PATTERN.fullmatch(str(value)):
            self.add("instance_type", f"{value!r} is not a SageMaker instance type (e.g. ml.m5.xlarge)")

    def _check_job_name(self, value: object) -> None:
        if value is None or not self._check_str("job_name", value):
            return
        assert isinstance(value, str)
        if self._check_length("job_name", value, MAX_JOB_NAME_LENGTH) and not JOB_NAME_PATTERN.fullmatch(value):
            self.add(
                "job_name",
                f"{value!r} is not a valid job name: use letters, digits and hyphens, "
                "starting and ending with a letter or digit",
            )

    def _check_base_job_name(self, value: object) -> None:
        if value is None or not self._check_str("base_job_name", value):
            return
        assert isinstance(value, str)
        if len(value) > MAX_BASE_JOB_NAME_LENGTH:
            self.add(
                "base_job_name",
                f"is {len(value)} characters long; at most {MAX_BASE_JOB_NAME_LENGTH} "
                f"leave room for the timestamp in a {MAX_JOB_NAME_LENGTH}-character job name",
            )
        elif not BASE_JOB_NAME_PATTERN.fullmatch(value):
            self.add(
                "base_job_name",
                f"{value!r} is not a valid job name prefix: use letters, digits and "
                "hyphens, starting with a letter or digit",
            )

    def _check_string_list(self, path: str, value: object, max_items: int) -> None:
        if value is None:
            return
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.add(path, f"expected a list of strings, got {_describe(value)}")
            return
        if not 1 <= len(value) <= max_items:
            self.add(path, f"has {len(value)} items; the service allows 1 to {max_items}")
        for i, item in enumerate(value):
            if self._check_str(f"{path}[{i}]", item, empty_ok=True):
                self._check_length(f"{path}[{i}]", item, MAX_ITEM_LENGTH)

    def _check_env(self, env: object) -> None:
        if not isinstance(env, Mapping):
            self.add("env", f"expected a mapping of strings, got {_describe(env)}")
            return
        if len(env) > MAX_ENV_ENTRIES:
            self.add("env", f"has {len(env)} entries; the service allows at most {MAX_ENV_ENTRIES}")
        for key, value in env.items():
            path = f"env.{key}"
            if not isinstance(key, str):
                self.add(path, f"expected a string name, got {_describe(key)}")
                continue
            if not ENV_KEY_PATTERN.fullmatch(key):
                self.add(
                    path, f"{key!r} is not a valid variable name: use letters, digits and _, not starting with a digit"
                )
            else:
                self._check_length(path, key, MAX_ITEM_LENGTH)
            if self._check_str(path, value, empty_ok=True) and len(value) > MAX_ITEM_LENGTH:
                self.add(path, f"value is {len(value)} characters long; the service allows at most {MAX_ITEM_LENGTH}")

    def _check_location(self, path: str, value: object) -> None:
        """An input's source or an output's destination: an S3 URI, or a local path / file:// URI."""
        if not self._check_str(path, value):
            return
        assert isinstance(value, str)
        scheme = uri_scheme(value)
        if scheme in ("s3", "https"):
            if self._check_length(path, value, MAX_S3_URI_LENGTH) and not S3_URI_PATTERN.fullmatch(value):
                self.add(path, f"{value!r} is not a valid S3 URI (s3://bucket/prefix)")
        elif scheme == "file":
            if not value.startswith(("file:///", "file://localhost/")):
                self.add(path, f"{value!r} is not an absolute file:// URI (file:///path)")
        elif scheme:
            self.add(path, f"{value!r} is neither an S3 URI (s3://bucket/prefix) nor a local path")

    def _check_local_path(self, path: str, value: object) -> None:
        """A container LocalPath: the service's rules, plus one owner per path across inputs and outputs."""
        if not self._check_str(path, value):
            return
        assert isinstance(value, str)
        if not self._check_length(path, value, MAX_LOCAL_PATH_LENGTH):
            return
        if not value.startswith(PROCESSING_ROOT):
            self.add(path, f"{value!r} must be an absolute path under {PROCESSING_ROOT}")
            return
        if ".." in value.split("/"):
            self.add(path, f"{value!r} must not contain '..'")
            return
        key = posixpath.normpath(value)
        owner = self._local_paths.setdefault(key, path)
        if owner != path:
            self.add(path, f"{value!r} is already used by {owner}")

    def _check_names(self, kind: str, names: list[tuple[int, object]]) -> None:
        seen: dict[str, int] = {}
        field = f"{kind[:-1]}_name"
        for i, name in names:
            path = f"{kind}[{i}].{field}"
            if not self._check_str(path, name):
                continue
            assert isinstance(name, str)
            if name in seen:
                self.add(path, f"{name!r} is already used by {kind}[{seen[name]}]")
            else:
                seen[name] = i

    def _check_channels(self, kind: str, value: object, kind_type: type, extra: int) -> list[tuple[int, Any]]:
        """The well-typed items of `inputs` or `outputs`, after checking the list and its length."""
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.add(kind, f"expected a list of {kind_type.__name__}, got {_describe(value)}")
            return []
        if len(value) + extra > MAX_CHANNELS:
            plus = " plus the code input" if extra else ""
            self.add(kind, f"has {len(value)} {kind}{plus}; the service allows at most {MAX_CHANNELS}")
        items: list[tuple[int, Any]] = []
        for i, item in enumerate(value):
            if isinstance(item, kind_type):
                items.append((i, item))
            else:
                self.add(f"{kind}[{i}]", f"expected a {kind_type.__name__}, got {_describe(item)}")
        return items

    def _check_inputs(self, inputs: object, *, has_code: bool) -> None:
        items: list[tuple[int, ProcessingInput]] = self._check_channels(
            "inputs", inputs, ProcessingInput, 1 if has_code else 0
        )
        self._check_names("inputs", [(i, item.input_name) for i, item in items])
        for i, item in items:
            p = f"inputs[{i}]"
            if has_code and item.input_name == CODE_INPUT_NAME:
                self.add(
                    f"{p}.input_name",
                    f"{CODE_INPUT_NAME!r} is the name of the input code creates; rename this input or drop code",
                )
            self._check_location(f"{p}.source", item.source)
            self._check_local_path(f"{p}.destination", item.destination)
            self._check_choice(f"{p}.s3_data_type", item.s3_data_type, DATA_TYPES)
            if item.s3_input_mode == "FastFile":
                self.add(
                    f"{p}.s3_input_mode",
                    "'FastFile' is not supported for processing jobs: the service "
                    "rejects it (the SDK docs list it); use File or Pipe",
                )
            else:
                self._check_choice(f"{p}.s3_input_mode", item.s3_input_mode, INPUT_MODES)
            self._check_choice(f"{p}.s3_data_distribution_type", item.s3_data_distribution_type, DISTRIBUTIONS)
            if (
                self._check_choice(f"{p}.s3_compression_type", item.s3_compression_type, COMPRESSIONS)
                and item.s3_compression_type == "Gzip"
                and item.s3_input_mode != "Pipe"
            ):
                self.add(
                    f"{p}.s3_compression_type",
                    f"'Gzip' needs s3_input_mode Pipe, not {item.s3_input_mode!r}: "
                    "the service only gunzips while streaming",
                )

    def _check_outputs(self, outputs: object) -> None:
        items: list[tuple[int, ProcessingOutput]] = self._check_channels("outputs", outputs, ProcessingOutput, 0)
        self._check_names("outputs", [(i, item.output_name) for i, item in items])
        for i, item in items:
            p = f"outputs[{i}]"
            self._check_local_path(f"{p}.source", item.source)
            self._check_location(f"{p}.destination", item.destination)
            self._check_choice(f"{p}.s3_upload_mode", item.s3_upload_mode, UPLOAD_MODES)

    def _check_code(self, d: JobDefinition) -> None:
        """ScriptProcessor style: `code` and `command` come together and replace `entrypoint`."""
        if d.command is not None:
            self._check_string_list("command", d.command, MAX_LIST_ITEMS - 1)
            if d.entrypoint is not None:
                self.add(
                    "command", "conflicts with entrypoint: command + code make the entrypoint; set one or the other"
                )
            if d.code is None:
                self.add("command", "needs code: the script file command runs")
        if d.code is None or not self._check_str("code", d.code):
            return
        if d.command is None:
            self.add("code", "needs command, the program that runs it (e.g. [python3])")
        self._check_location("code", d.code)
        script = code_script_path(d.code)
        if script.endswith("/"):
            self.add("code", f"{d.code!r} must name a file, not a folder")
        elif len(script) > MAX_ITEM_LENGTH:
            self.add(
                "code",
                f"file name is too long: the entrypoint item {script!r} would exceed {MAX_ITEM_LENGTH} characters",
            )


def _describe(value: object) -> str:
    """`int 5`, `str 'x'`, `None`: enough to see what went wrong without the type's module path."""
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"
