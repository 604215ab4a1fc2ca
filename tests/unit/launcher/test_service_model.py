"""botocore's SageMaker model as the source of the service's limits: loaded lazily, walked generically."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from launcher.service_model import (
    ShapeChecker,
    closest,
    describe_only_keys,
    python_pattern,
    request_shape,
    shape_at,
)

REPO = Path(__file__).resolve().parents[3]


def _patterns(shape: Any, seen: set[str]) -> set[str]:
    if shape.name in seen:
        return set()
    seen.add(shape.name)
    found = {shape.metadata["pattern"]} if "pattern" in shape.metadata else set()
    for child in [*getattr(shape, "members", {}).values(), *(getattr(shape, n, None) for n in ("member", "key",
                                                                                                 "value"))]:
        if child is not None:
            found |= _patterns(child, seen)
    return found


def test_every_pattern_of_the_request_translates_to_python() -> None:
    """A model update with a pattern `python_pattern` cannot translate fails here, not in a user's run."""
    patterns = _patterns(request_shape(), set())
    assert len(patterns) > 10
    for pattern in patterns:
        python_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (".*", ["", "any thing \t"], ["line\nbreak", "a\u2028b", "carriage\r"]),  # Java's `.`: no line terminators
        ("arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
         ["arn:aws:iam::123456789012:role/R"], ["arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/R"]),  # \d is ASCII in Java
        ("([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)", ["équipe 42", "チーム", "a_b.c:d/e=f+g-h@i", "x\u00a0y", "²"],
         ["a!", "tab\there", "new\nline", "€"]),
        ("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*", ["AwsDataCatalog", "emoji 😀", "a\tb"],
         ["bell\x07"]),
        ("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", ["a", "a--b"], ["a-", "-a", "a_b", "a" * 64]),
    ],
)
def test_patterns_keep_their_java_meaning(pattern: str, good: list[str], bad: list[str]) -> None:
    compiled = python_pattern(pattern)
    assert [s for s in good if not compiled.fullmatch(s)] == []
    assert [s for s in bad if compiled.fullmatch(s)] == []


def test_an_untranslatable_pattern_fails_loudly() -> None:
    with pytest.raises(ValueError, match="cannot translate"):
        python_pattern("[^\\p{L}]")
    with pytest.raises(ValueError, match="cannot translate"):
        python_pattern("[\\p{Lu}]")


def check(value: object, path: str) -> list[str]:
    checker = ShapeChecker()
    checker.check(value, shape_at(path), path)
    return [str(problem) for _, problem in checker.problems]


@pytest.mark.parametrize(
    ("value", "path", "expected"),
    [
        (True, "ProcessingResources.ClusterConfig.InstanceCount",
         ["ProcessingResources.ClusterConfig.InstanceCount: expected an integer, got bool True"]),
        ("x" * 33, "NetworkConfig.VpcConfig.Subnets[]",
         ["NetworkConfig.VpcConfig.Subnets[]: is 33 characters long; the service allows at most 32"]),
        ("", "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.Catalog",
         ["ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.Catalog: must not be empty"]),
        ("my group", "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.WorkGroup",
         ["ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.WorkGroup: 'my group' is not a valid Athena "
          "work group name (letters, digits and . _ -)"]),
        ("short", "RoleArn",
         ["RoleArn: 'short' is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)"]),
        ({"A": "\n"}, "Environment", []),  # values take any character
        ("ml.m5", "ProcessingResources.ClusterConfig.InstanceType",
         ["ProcessingResources.ClusterConfig.InstanceType: 'ml.m5' is not a SageMaker Processing instance type "
          "(e.g. ml.m5.large)"]),
        ("ZSTD", "ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.OutputCompression",
         ["ProcessingInputs[].DatasetDefinition.AthenaDatasetDefinition.OutputCompression: 'ZSTD' is not one of "
          "GZIP, SNAPPY, ZLIB"]),
        ({"MaxRuntimeInSeconds": 0, "Extra": 1}, "StoppingCondition",
         ["StoppingCondition.Extra: unknown field; expected one of MaxRuntimeInSeconds",
          "StoppingCondition.MaxRuntimeInSeconds: 0 is out of range: the service allows 1 to 777600"]),
        ({}, "StoppingCondition", ["StoppingCondition.MaxRuntimeInSeconds: missing required field"]),
        ("sg-1", "NetworkConfig.VpcConfig.SecurityGroupIds",
         ["NetworkConfig.VpcConfig.SecurityGroupIds: expected a list of strings, got str 'sg-1'"]),
        ([], "NetworkConfig.VpcConfig.SecurityGroupIds",
         ["NetworkConfig.VpcConfig.SecurityGroupIds: has 0 items; the service allows 1 to 5"]),
        ([{"Key": "k"}], "Tags", ["Tags[0].Value: missing required field"]),
        ({1: "x"}, "Environment", ["Environment.1: expected a string name, got int 1"]),
    ],
)
def test_the_checker_reads_each_limit_from_the_model(value: object, path: str, expected: list[str]) -> None:
    assert check(value, path) == expected


def test_closest_choice() -> None:
    types = shape_at("ProcessingResources.ClusterConfig.InstanceType").enum
    assert closest("m5.xlarge", types) == "ml.m5.xlarge"
    assert closest("ml.c5.xlarg", types) == "ml.c5.xlarge"
    assert closest("zzz", types) == types[0]


def test_describe_only_keys_are_the_responses_own() -> None:
    assert {"ProcessingJobArn", "ProcessingJobStatus", "CreationTime", "FailureReason", "ExitMessage"} <= (
        describe_only_keys())
    assert not describe_only_keys() & set(request_shape().members)


def test_validation_loads_no_botocore() -> None:
    """Validation runs before every job: it reads the model's file, without botocore's import cost."""
    code = ("import sys\nimport launcher.jobfile, launcher.validation, launcher.request, launcher.service_model\n"
            "assert not launcher.service_model.sagemaker_model.cache_info().currsize\n"
            "assert 'botocore' not in sys.modules\n"
            "launcher.validation.validate(launcher.JobDefinition('proc', instance_type='ml.m5.large'))\n"
            "sys.exit('botocore' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _tree(shape: Any, seen: set[str]) -> dict[str, Any]:
    """Everything the checker reads of a shape tree, through either `Shape` or botocore's own."""
    if shape.name in seen:
        return {}
    seen.add(shape.name)
    limits = {k: shape.metadata[k] for k in ("min", "max", "pattern") if k in shape.metadata}
    node: dict[str, Any] = {"name": shape.name, "type": shape.type_name, "limits": limits,
                            "enum": list(getattr(shape, "enum", []) or [])}
    if shape.type_name == "structure":
        node["required"] = list(shape.required_members)
        node["members"] = {name: _tree(member, seen) for name, member in shape.members.items()}
    for part in ("member", "key", "value"):
        if hasattr(shape, part):
            node[part] = _tree(getattr(shape, part), seen)
    return node


def test_the_model_is_read_as_botocore_reads_it() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    for operation, role in (("CreateProcessingJob", "input_shape"), ("DescribeProcessingJob", "output_shape")):
        theirs = _tree(getattr(model.operation_model(operation), role), set())
        ours = _tree(request_shape() if role == "input_shape" else shape_for_describe(), set())
        assert ours == theirs


def shape_for_describe() -> Any:
    from launcher.service_model import _operation_shape

    return _operation_shape("DescribeProcessingJob", "output")


def test_a_model_in_aws_data_path_comes_first(tmp_path: Path) -> None:
    """As for botocore's loader: AWS_DATA_PATH, then ~/.aws/models, then botocore's own data."""
    import json

    from launcher.service_model import model_path, sagemaker_model

    model = json.loads(json.dumps(sagemaker_model()))
    model["shapes"]["ProcessingInstanceType"]["enum"].append("ml.future.xlarge")
    folder = tmp_path / "sagemaker" / "2099-01-01"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model), encoding="utf-8")
    code = ("from launcher.service_model import model_path, processing_instance_types\n"
            "print(model_path()); print(processing_instance_types()[-1])")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False,
                            env={**os.environ, "AWS_DATA_PATH": str(tmp_path)})
    assert result.stdout.split() == [str(folder / "service-2.json"), "ml.future.xlarge"], result.stderr
    assert model_path().endswith("service-2.json.gz")  # this process: botocore's own file
