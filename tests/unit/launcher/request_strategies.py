"""Hypothesis strategies for valid CreateProcessingJob requests, in the form the request builder writes.

Leaves (strings, numbers, enums) come from botocore's model, so they follow its patterns and limits;
the structure is written here to also satisfy the rules the model cannot express (unique names and
container paths, exactly one of S3Input and DatasetDefinition, Gzip only with Pipe, ...). Lists are
kept short: the properties are about shapes, not sizes, and the size limits have their own tests.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from hypothesis import strategies as st

from launcher.service_model import python_pattern, shape_at

Request = dict[str, Any]


@functools.cache
def leaf(path: str, *, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[Any]:
    """A valid value for the string, integer or boolean shape at an API path of CreateProcessingJob.

    Made once per path (building a strategy from a regex is slow). A pattern that is one character
    class repeated is drawn as text filtered by it: generating its wide Unicode ranges is slower still.
    """
    shape = shape_at(path)
    if shape.type_name == "boolean":
        return st.booleans()
    if shape.type_name in ("integer", "long"):
        return st.integers(shape.metadata.get("min", 0), shape.metadata.get("max", 2**31 - 1))
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    low = max(min_size, shape.metadata.get("min", 0))
    high = min(max_size, shape.metadata.get("max", max_size))
    pattern = shape.metadata.get("pattern")
    if pattern is None:
        return st.text(min_size=low, max_size=high)
    compiled = python_pattern(pattern)
    if re.fullmatch(r"\(?(\[[^\]]*\]|\.)[*+]\)?", pattern):
        return st.text(min_size=low, max_size=high).filter(lambda s: compiled.fullmatch(s) is not None)
    return st.from_regex(compiled, fullmatch=True).filter(lambda s: low <= len(s) <= high)


def _optional(members: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=members)


_FOLDER = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)
_NAMES = st.text(min_size=1, max_size=20)


@st.composite
def _local_paths(draw: st.DrawFn, count: int) -> list[str]:
    names = draw(st.lists(_FOLDER, min_size=count, max_size=count, unique=True))
    return [f"/opt/ml/processing/{name}" for name in names]


@st.composite
def s3_input(draw: st.DrawFn, local_path: str | None) -> dict[str, Any]:
    base = "ProcessingInputs[].S3Input"
    mode = draw(leaf(f"{base}.S3InputMode"))
    s3 = {"S3Uri": draw(leaf(f"{base}.S3Uri"))}
    if local_path is not None:
        s3["LocalPath"] = local_path
    s3.update({
        "S3DataType": draw(leaf(f"{base}.S3DataType")),
        "S3InputMode": mode,
        "S3DataDistributionType": draw(leaf(f"{base}.S3DataDistributionType")),
        "S3CompressionType": draw(st.sampled_from(["None", "Gzip"] if mode == "Pipe" else ["None"])),
    })
    return s3


@st.composite
def dataset_definition(draw: st.DrawFn, local_path: str | None) -> dict[str, Any]:
    base = "ProcessingInputs[].DatasetDefinition"
    dataset = {
        "DataDistributionType": draw(leaf(f"{base}.DataDistributionType")),
        "InputMode": draw(leaf(f"{base}.InputMode")),
    }
    if local_path is not None:
        dataset["LocalPath"] = local_path
    if draw(st.booleans()):
        athena = f"{base}.AthenaDatasetDefinition"
        dataset["AthenaDatasetDefinition"] = {
            **{name: draw(leaf(f"{athena}.{name}", min_size=1))
               for name in ("Catalog", "Database", "QueryString", "OutputS3Uri", "OutputFormat")},
            **draw(_optional({name: leaf(f"{athena}.{name}") for name in ("WorkGroup", "KmsKeyId",
                                                                          "OutputCompression")})),
        }
    else:
        redshift = f"{base}.RedshiftDatasetDefinition"
        dataset["RedshiftDatasetDefinition"] = {
            **{name: draw(leaf(f"{redshift}.{name}", min_size=1)) for name in
               ("ClusterId", "Database", "DbUser", "QueryString", "ClusterRoleArn", "OutputS3Uri", "OutputFormat")},
            **draw(_optional({name: leaf(f"{redshift}.{name}") for name in ("KmsKeyId", "OutputCompression")})),
        }
    return dataset


@st.composite
def channels(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Inputs and outputs with unique names and container paths."""
    n_in, n_out = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    paths = iter(draw(_local_paths(n_in + n_out)))
    names = st.lists(_NAMES, min_size=n_in, max_size=n_in, unique=True)
    inputs = []
    for name in draw(names):
        app_managed = draw(st.booleans())
        path = next(paths)
        local_path = None if app_managed and draw(st.booleans()) else path
        item: dict[str, Any] = {"InputName": name, "AppManaged": app_managed}
        if draw(st.booleans()):
            item["S3Input"] = draw(s3_input(local_path))
        else:
            item["DatasetDefinition"] = draw(dataset_definition(local_path))
        inputs.append(item)
    outputs = []
    names = st.lists(_NAMES, min_size=n_out, max_size=n_out, unique=True)
    for name in draw(names):
        app_managed = draw(st.booleans())
        path = next(paths)
        item = {"OutputName": name, "AppManaged": app_managed}
        if draw(st.booleans()):
            base = "ProcessingOutputConfig.Outputs[].S3Output"
            s3 = {"S3Uri": draw(leaf(f"{base}.S3Uri"))}
            if not (app_managed and draw(st.booleans())):
                s3["LocalPath"] = path
            s3["S3UploadMode"] = draw(leaf(f"{base}.S3UploadMode"))
            item["S3Output"] = s3
        else:
            name_path = "ProcessingOutputConfig.Outputs[].FeatureStoreOutput.FeatureGroupName"
            item["FeatureStoreOutput"] = {"FeatureGroupName": draw(leaf(name_path, min_size=1))}
        outputs.append(item)
    return inputs, outputs


@st.composite
def network_config(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {"EnableNetworkIsolation": draw(st.booleans())}
    config.update(draw(_optional({"EnableInterContainerTrafficEncryption": st.booleans()})))
    if draw(st.booleans()):
        vpc = "NetworkConfig.VpcConfig"
        config["VpcConfig"] = {
            "SecurityGroupIds": draw(st.lists(leaf(f"{vpc}.SecurityGroupIds[]", min_size=1), min_size=1, max_size=5)),
            "Subnets": draw(st.lists(leaf(f"{vpc}.Subnets[]", min_size=1), min_size=1, max_size=3)),
        }
    return config


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """A valid CreateProcessingJob request as `to_create_processing_job_request` writes one."""
    request: Request = {"ProcessingJobName": draw(leaf("ProcessingJobName"))}
    inputs, outputs = draw(channels())
    if inputs:
        request["ProcessingInputs"] = inputs
    kms = draw(_optional({"KmsKeyId": leaf("ProcessingOutputConfig.KmsKeyId")}))
    if outputs or kms:
        request["ProcessingOutputConfig"] = {"Outputs": outputs, **kms}
    cluster = "ProcessingResources.ClusterConfig"
    request["ProcessingResources"] = {"ClusterConfig": {
        "InstanceCount": draw(leaf(f"{cluster}.InstanceCount")),
        "InstanceType": draw(leaf(f"{cluster}.InstanceType")),
        "VolumeSizeInGB": draw(leaf(f"{cluster}.VolumeSizeInGB")),
        **draw(_optional({"VolumeKmsKeyId": leaf(f"{cluster}.VolumeKmsKeyId")})),
    }}
    request.update(draw(_optional({
        "StoppingCondition": st.fixed_dictionaries(
            {"MaxRuntimeInSeconds": leaf("StoppingCondition.MaxRuntimeInSeconds")}),
    })))
    request["RoleArn"] = draw(leaf("RoleArn", max_size=80))
    request["AppSpecification"] = {
        "ImageUri": draw(leaf("AppSpecification.ImageUri", min_size=1)),
        **draw(_optional({
            "ContainerEntrypoint": st.lists(leaf("AppSpecification.ContainerEntrypoint[]"), min_size=1, max_size=3),
            "ContainerArguments": st.lists(leaf("AppSpecification.ContainerArguments[]"), min_size=1, max_size=3),
        })),
    }
    request.update(draw(_optional({
        "Environment": st.dictionaries(leaf("Environment.key"), leaf("Environment.value"), min_size=1, max_size=3),
        "NetworkConfig": network_config(),
        "Tags": st.lists(st.fixed_dictionaries({"Key": leaf("Tags[].Key", min_size=1), "Value": leaf("Tags[].Value")}),
                         min_size=1, max_size=4, unique_by=lambda tag: tag["Key"]),
        "ExperimentConfig": _optional({name: leaf(f"ExperimentConfig.{name}") for name in
                                       ("ExperimentName", "TrialName", "TrialComponentDisplayName", "RunName")}),
    })))
    return request
