from __future__ import annotations

import pytest

import launcher
from launcher.errors import BackendError, JobDefinitionError, LauncherError, Problem


def test_exported_members_are_the_public_api() -> None:
    # Like httpx's tests/test_exported_members.py: the package surface changes only on purpose.
    assert launcher.__all__ == [
        "BackendError",
        "JobDefinition",
        "JobDefinitionError",
        "JobFile",
        "LauncherError",
        "Problem",
        "ProcessingInput",
        "ProcessingOutput",
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


def test_tree_and_exit_codes() -> None:
    assert issubclass(JobDefinitionError, LauncherError)
    assert issubclass(BackendError, LauncherError)
    assert (LauncherError.exit_code, JobDefinitionError.exit_code, BackendError.exit_code) == (1, 2, 3)


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
