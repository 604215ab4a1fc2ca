"""`byoc --help` and the local backend's start-up must not pay for the SageMaker SDK (seconds) or boto3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LOADED = ("loaded = [m for m in ('sagemaker', 'boto3', 'botocore') if m in sys.modules]\n"
          "sys.exit(str(loaded) if loaded else 0)")


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["push", "--help"], ["describe", "--help"],
                                  ["build", "--help"], ["init", "--help"]])
def test_help_does_not_import_the_sdk_or_boto3(argv: list[str]) -> None:
    code = (f"import sys\nfrom launcher.cli.app import app\ntry:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
            f"{LOADED}")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"
    assert "--backend" in result.stdout or argv[0] in ("--help", "push", "build", "init")


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"], ["init", "--help"]])
def test_help_does_not_look_for_the_kits_files(argv: list[str]) -> None:
    """The Dockerfiles, templates and runtime wheel are read only by the command that uses them."""
    code = (f"import sys\nfrom launcher.cli.app import app\ntry:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
            "loaded = [m for m in ('launcher.kit', 'launcher.build', 'launcher.offline_base', 'launcher.scaffold',"
            " 'docker') if m in sys.modules]\nsys.exit(str(loaded) if loaded else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"


def test_picking_a_backend_loads_nothing_until_a_backend_is_picked() -> None:
    code = f"import sys\nimport launcher.cli.backends, launcher.cli.options\n{LOADED}"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"
