"""Check a CreateProcessingJob request the way the service does, before anything is started or uploaded.

Two layers: botocore's model of the operation (types, required fields, lengths, ranges, patterns,
enums, list sizes), walked generically by `service_model.ShapeChecker`; then the rules the service
applies that its model cannot express, written here: LocalPath under /opt/ml/processing/ (required
unless AppManaged), names and container paths used once, exactly one of S3Input and
DatasetDefinition (of Athena and Redshift, of S3Output and FeatureStoreOutput), Gzip only with Pipe.

Paths are walked in the API's names; a `Paths` object shows them in the caller's words, so the same
checks name `ProcessingInputs[0].S3Input.LocalPath` for a request and `inputs[0].destination` for a
job file with the SDK's names.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from launcher.definition import PROCESSING_ROOT, uri_scheme
from launcher.errors import Problem
from launcher.service_model import ApiPaths, Paths, ShapeChecker, request_shape

# Set by the service on DescribeProcessingJob (the model's documentation says so); never sent.
READ_ONLY = ("ProcessingResources.ClusterConfig.SelectedInstanceType",
             "ProcessingResources.ClusterConfig.SelectedInstanceCount")
# S3Uri fields that may hold a local path or file:// URI when this kit runs the job.
_CHANNEL_URI = re.compile(
    r"ProcessingInputs\[\d+\]\.S3Input\.S3Uri|ProcessingOutputConfig\.Outputs\[\d+\]\.S3Output\.S3Uri"
)


def request_problems(
    request: object,
    *,
    paths: Paths | None = None,
    local_locations: bool = False,
    optional: Iterable[str] = (),
    claim_first: Iterable[int] = (),
) -> list[Problem]:
    """Every way `request` breaks CreateProcessingJob's rules (the hand-written ones' problems first,
    then the model's); empty when the service would accept it.

    `local_locations`: an input's or output's S3Uri may also be a local path or an absolute file://
    URI (this kit's extension, for the local backend). `optional`: API paths the caller may leave out
    although the service needs them (RoleArn for a local run). `claim_first`: indexes of inputs whose
    name and LocalPath are taken before any other's, so a clash is blamed on the others (the code
    input the SDK adds, which the user cannot move).
    """
    checker = ShapeChecker(
        paths=paths or ApiPaths(),
        optional=frozenset(optional),
        skip=lambda path, value: local_locations and is_local_channel_uri(path, value),
    )
    rules = _Rules(checker, local_locations)
    if isinstance(request, Mapping):
        rules.check(request, tuple(claim_first))
    ruled = list(checker.problems)
    checker.problems.clear()
    checker.check(request, request_shape())
    # A field a hand-written rule has reported on is not also reported by the model's check.
    taken = {path for path, _ in ruled}
    return [problem for _, problem in ruled] + [problem for path, problem in checker.problems if path not in taken]


def is_local_channel_uri(path: str, value: object) -> bool:
    """Whether `value`, at an input's or output's S3Uri, is a local location (checked by `location_problem`)."""
    return bool(_CHANNEL_URI.fullmatch(path)) and isinstance(value, str) and uri_scheme(value) not in ("s3", "https")


def location_problem(value: str) -> str | None:
    """What is wrong with a location the local backend reads or writes, if anything: S3 URIs are left
    to the model's pattern; local paths are fine; file:// must be absolute; other schemes are refused."""
    if not value:
        return "must not be empty"
    scheme = uri_scheme(value)
    if scheme == "file" and not value.startswith(("file:///", "file://localhost/")):
        return f"{value!r} is not an absolute file:// URI (file:///path)"
    if scheme and scheme not in ("s3", "https", "file"):
        return f"{value!r} is neither an S3 URI (s3://bucket/prefix) nor a local path"
    return None


class _Rules:
    """The service's rules its model cannot express; each problem goes through the checker's `add`."""

    def __init__(self, checker: ShapeChecker, local_locations: bool) -> None:
        self.checker = checker
        self.local_locations = local_locations
        # Normalized container path -> the API path of the LocalPath that claimed it first.
        self.local_paths: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.checker.add(path, message)

    def field(self, path: str) -> str:
        """The last name of a shown path: `S3InputMode` for a request, `s3_input_mode` for a job file."""
        return re.split(r"[.\]]", self.checker.paths.show(path))[-1]

    def check(self, request: Mapping[str, Any], claim_first: tuple[int, ...]) -> None:
        app = request.get("AppSpecification")
        if isinstance(app, Mapping) and app.get("ImageUri") == "":
            self.add("AppSpecification.ImageUri", "must not be empty")
        self._cluster(request.get("ProcessingResources"))
        inputs = _items(request.get("ProcessingInputs"))
        output_config = request.get("ProcessingOutputConfig")
        outputs = _items(output_config.get("Outputs") if isinstance(output_config, Mapping) else None)
        first = [i for i in claim_first if i < len(inputs)]
        order = first + [i for i in range(len(inputs)) if i not in first]
        names: dict[str, str] = {}
        for i in order:
            item = inputs[i]
            if isinstance(item, Mapping):
                self._input(f"ProcessingInputs[{i}]", item, names)
        names = {}
        for i, item in enumerate(outputs):
            if isinstance(item, Mapping):
                self._output(f"ProcessingOutputConfig.Outputs[{i}]", item, names)
        self._unique_tag_keys(request.get("Tags"))

    def _cluster(self, resources: object) -> None:
        cluster = resources.get("ClusterConfig") if isinstance(resources, Mapping) else None
        if not isinstance(cluster, Mapping):
            return
        base = "ProcessingResources.ClusterConfig"
        for path in READ_ONLY:
            if path.rsplit(".", 1)[1] in cluster:
                self.add(path, "is set by the service and returned by DescribeProcessingJob; "
                               "CreateProcessingJob does not take it")
        if "InstancePreferences" in cluster:
            self.add(f"{base}.InstancePreferences", "is not supported by this kit yet; give InstanceType")
        elif "InstanceType" not in cluster:
            self.add(f"{base}.InstanceType", "missing required field")

    def _name(self, path: str, name: object, names: dict[str, str], owner: str) -> None:
        if not isinstance(name, str):
            return  # the model's type check reports it
        if not name:
            self.add(path, "must not be empty")
        elif name in names:
            self.add(path, f"{name!r} is already used by {self.checker.paths.show(names[name])}")
        else:
            names[name] = owner

    def _input(self, path: str, item: Mapping[str, Any], names: dict[str, str]) -> None:
        self._name(f"{path}.InputName", item.get("InputName"), names, path)
        app_managed = item.get("AppManaged") is True
        s3, dataset = item.get("S3Input"), item.get("DatasetDefinition")
        if s3 is None and dataset is None:
            self.add(path, f"needs one of {self.field(path + '.S3Input')} or {self.field(path + '.DatasetDefinition')}")
        elif s3 is not None and dataset is not None:
            self.add(path, f"has both {self.field(path + '.S3Input')} and {self.field(path + '.DatasetDefinition')}; "
                           "give one")
        if isinstance(s3, Mapping):
            self._s3_input(f"{path}.S3Input", s3, app_managed)
        if isinstance(dataset, Mapping):
            self._dataset(f"{path}.DatasetDefinition", dataset, app_managed)

    def _s3_input(self, path: str, s3: Mapping[str, Any], app_managed: bool) -> None:
        self._location(f"{path}.S3Uri", s3.get("S3Uri"))
        self._local_path(f"{path}.LocalPath", s3, app_managed)
        mode, compression = s3.get("S3InputMode", "File"), s3.get("S3CompressionType", "None")
        if mode == "FastFile":
            self.add(f"{path}.S3InputMode", "'FastFile' is not supported for processing jobs: the service "
                                            "rejects it (the SDK docs list it); use File or Pipe")
        if compression == "Gzip" and mode != "Pipe":
            self.add(f"{path}.S3CompressionType", f"'Gzip' needs {self.field(path + '.S3InputMode')} Pipe, not "
                                                  f"{mode!r}: the service only gunzips while streaming")

    def _dataset(self, path: str, dataset: Mapping[str, Any], app_managed: bool) -> None:
        self._local_path(f"{path}.LocalPath", dataset, app_managed)
        kinds = [k for k in ("AthenaDatasetDefinition", "RedshiftDatasetDefinition") if dataset.get(k) is not None]
        athena, redshift = (self.field(f"{path}.{k}") for k in ("AthenaDatasetDefinition", "RedshiftDatasetDefinition"))
        if not kinds:
            self.add(path, f"needs one of {athena} or {redshift}")
        elif len(kinds) == 2:
            self.add(path, f"has both {athena} and {redshift}; give one")

    def _output(self, path: str, item: Mapping[str, Any], names: dict[str, str]) -> None:
        self._name(f"{path}.OutputName", item.get("OutputName"), names, path)
        s3, feature_store = item.get("S3Output"), item.get("FeatureStoreOutput")
        s3_name, store_name = self.field(f"{path}.S3Output"), self.field(f"{path}.FeatureStoreOutput")
        if s3 is None and feature_store is None:
            self.add(path, f"needs one of {s3_name} or {store_name}")
        elif s3 is not None and feature_store is not None:
            self.add(path, f"has both {s3_name} and {store_name}; give one")
        if isinstance(s3, Mapping):
            self._location(f"{path}.S3Output.S3Uri", s3.get("S3Uri"))
            self._local_path(f"{path}.S3Output.LocalPath", s3, item.get("AppManaged") is True)

    def _location(self, path: str, value: object) -> None:
        if self.local_locations and isinstance(value, str):
            problem = location_problem(value)
            if problem is not None:
                self.add(path, problem)

    def _local_path(self, path: str, parent: Mapping[str, Any], app_managed: bool) -> None:
        """A container LocalPath: under /opt/ml/processing/, and one owner per path across inputs and outputs."""
        value = parent.get("LocalPath")
        if value is None:
            if not app_managed:
                self.add(path, "missing required field")
            return
        if not isinstance(value, str):
            return
        if not value.startswith(PROCESSING_ROOT):
            self.add(path, f"{value!r} must be an absolute path under {PROCESSING_ROOT}")
            return
        if ".." in value.split("/"):
            self.add(path, f"{value!r} must not contain '..'")
            return
        owner = self.local_paths.setdefault(posixpath.normpath(value), path)
        if owner != path:
            self.add(path, f"{value!r} is already used by {self.checker.paths.show(owner)}")

    def _unique_tag_keys(self, tags: object) -> None:
        seen: dict[str, int] = {}
        for i, tag in enumerate(_items(tags)):
            key = tag.get("Key") if isinstance(tag, Mapping) else None
            if not isinstance(key, str):
                continue
            if key in seen:
                first = self.checker.paths.show(f"Tags[{seen[key]}]")
                self.add(f"Tags[{i}].Key", f"{key!r} appears twice (first at {first}); tag keys are unique")
            else:
                seen[key] = i


def _items(value: object) -> list[object]:
    """The items of a list; none for anything else (an ill-typed list is the model's problem to report)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return []
    return list(value)
