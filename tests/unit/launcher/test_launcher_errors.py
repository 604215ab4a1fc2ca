from __future__ import annotations

import pytest

import launcher
from launcher.errors import (
    AwsError,
    BackendError,
    EngineError,
    JobDefinitionError,
    JobExistsError,
    JobNotFoundError,
    JobStateError,
    LauncherError,
    LocalImageError,
    MissingSettingError,
    Problem,
    UsageError,
)
from launcher.local.feeder import FeedError
from launcher.local.outputs import OutputConflictError
from launcher.local.sharing import FolderNotSharedError
from launcher.push import PushError, PushUsageError
from launcher.storage.errors import DestinationError, LocationError, S3AccessError, StorageError


def test_exported_members_are_the_public_api() -> None:
    # Like httpx's tests/test_exported_members.py: the package surface changes only on purpose.
    assert launcher.__all__ == [
        "AthenaDatasetDefinition",
        "BackendError",
        "DatasetDefinition",
        "FeatureStoreOutput",
        "JobDefinition",
        "JobDefinitionError",
        "JobFile",
        "LauncherError",
        "NetworkConfig",
        "Problem",
        "ProcessingInput",
        "ProcessingOutput",
        "RedshiftDatasetDefinition",
        "definition_from_request",
        "find_problems",
        "load_job_file",
        "read_job_file",
        "resolve_job_name",
        "to_create_processing_job_request",
        "to_processing_job_config",
        "validate",
        "with_overrides",
    ]
    for name in launcher.__all__:
        assert getattr(launcher, name).__module__.startswith("launcher.")


@pytest.mark.parametrize(("error", "exit_code", "aws_code"), [
    (LauncherError, 1, "InternalFailure"),
    (UsageError, 2, "ValidationException"),
    (JobDefinitionError, 2, "ValidationException"),
    (MissingSettingError, 2, "ValidationException"),
    (LocalImageError, 2, "ValidationException"),
    (JobExistsError, 2, "ResourceInUse"),
    (JobNotFoundError, 2, "ResourceNotFound"),
    (JobStateError, 2, "ValidationException"),
    (OutputConflictError, 2, "ValidationException"),
    (PushUsageError, 2, "ValidationException"),
    (BackendError, 3, "InternalFailure"),
    (EngineError, 3, "ServiceUnavailable"),
    (FolderNotSharedError, 3, "ServiceUnavailable"),
    (AwsError, 3, "InternalFailure"),
    (FeedError, 3, "InternalFailure"),
    (PushError, 3, "InternalFailure"),
    (StorageError, 3, "InternalFailure"),
    (S3AccessError, 3, "InternalFailure"),
    (LocationError, 2, "ValidationException"),
    (DestinationError, 2, "ValidationException"),
])
def test_every_expected_failure_is_a_launcher_error_with_its_codes(error: type[LauncherError], exit_code: int,
                                                                 aws_code: str) -> None:
    assert issubclass(error, LauncherError)
    assert (error.exit_code, error.aws_code) == (exit_code, aws_code)


def test_every_error_class_in_the_launcher_is_in_the_tree_drawn_in_errors_py() -> None:
    import ast
    from pathlib import Path

    import launcher.errors

    drawn = launcher.errors.__doc__ or ""
    root = Path(launcher.errors.__file__).parent
    for module in root.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and not node.name.startswith("_"):
                assert node.name in drawn, f"{module}: {node.name} is not drawn in launcher/errors.py"


def test_no_module_outside_the_cli_imports_the_cli() -> None:
    import ast
    from pathlib import Path

    import launcher

    root = Path(launcher.__file__).parent
    for module in root.rglob("*.py"):
        if module.is_relative_to(root / "cli"):
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n == "launcher.cli" or n.startswith("launcher.cli.")], module


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("inputs[1].s3_input_mode", "bad", "job.yaml", 14), "job.yaml:14: inputs[1].s3_input_mode: bad"),
        (Problem("image_uri", "bad", "job.yaml"), "job.yaml: image_uri: bad"),
        (Problem("", "is empty", "job.yaml"), "job.yaml: is empty"),
        (Problem("role", "bad"), "role: bad"),
    ],
)
def test_problem_text_names_file_line_and_field(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_one_problem_is_one_line_and_many_are_listed() -> None:
    one = JobDefinitionError([Problem("a", "x")])
    many = JobDefinitionError([Problem("a", "x"), Problem("b", "y")])
    assert str(one) == "a: x"
    assert str(many) == "2 problems in the job definition:\n  a: x\n  b: y"
    assert many.problems == (Problem("a", "x"), Problem("b", "y"))


def test_a_job_definition_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        JobDefinitionError([])


def test_the_launcher_core_does_not_import_the_sagemaker_sdk() -> None:
    # The SDK takes seconds to import; the local backend must work without it installed.
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, launcher; sys.exit('sagemaker' in sys.modules or 'boto3' in sys.modules)"
    repo = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=repo, check=False).returncode == 0
