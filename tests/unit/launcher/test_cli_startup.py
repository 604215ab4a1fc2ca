"""`byoc --help` and the local backend's start-up must not pay for the SageMaker SDK (seconds) or boto3."""

from __future__ import annotations

import ast
import os
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


@pytest.mark.parametrize("command", ["run --help", "describe no-such-job"])
def test_parsing_a_command_does_not_import_pydantic(command: str, tmp_path: Path) -> None:
    """typer 0.29 coerces every option through a pydantic TypeAdapter: 0.1 s more per command. The pin
    keeps typer below it; pydantic is the SageMaker SDK's, imported only with it."""
    argv = [*command.split(), "--jobs-dir", str(tmp_path)] if command.startswith("describe") else command.split()
    code = (f"import sys\nfrom launcher.cli.app import app\ntry:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
            "sys.exit('pydantic' if 'pydantic' in sys.modules else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"
    assert "no-such-job" in result.stderr or "--jobs-dir" in result.stdout


def test_picking_a_backend_loads_nothing_until_a_backend_is_picked() -> None:
    code = f"import sys\nimport launcher.cli.backends, launcher.cli.options\n{LOADED}"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"


def test_no_launcher_module_imports_the_sdk_and_a_local_run_never_loads_it(tmp_path: Path) -> None:
    """Every module of launcher/ imported, then a local job's request built as `byoc run --dry-run` does:
    the SDK (sagemaker-core installs the `sagemaker` package) stays unloaded."""
    job = tmp_path / "job.yaml"
    job.write_text("image_uri: byoc/base:latest\narguments: [inventory]\n"
                   "inputs: [{source: data, destination: /opt/ml/processing/input/data}]\n")
    code = ("import importlib, pkgutil, sys, launcher\n"
            "for m in pkgutil.walk_packages(launcher.__path__, 'launcher.'):\n"
            "    importlib.import_module(m.name)\n"
            "from launcher.cli.app import app\n"
            f"try:\n    app(['run', {str(job)!r}, '--dry-run', '--jobs-dir', {str(tmp_path / 'jobs')!r}])\n"
            "except SystemExit as end:\n    assert not end.code, end.code\n"
            "sys.exit(str(sorted(m for m in sys.modules if m.split('.')[0] == 'sagemaker')) "
            "if 'sagemaker' in sys.modules else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"loaded: {result.stderr.strip()}"
    assert '"ProcessingJobName"' in result.stdout


@pytest.mark.parametrize("docker_host", [None, "unix:///var/run/docker.sock", "ssh://user@engine"])
def test_the_local_backend_loads_paramiko_only_for_an_ssh_engine(docker_host: str | None) -> None:
    """docker-py imports paramiko whenever it is installed; the local backend keeps it out unless it is needed."""
    code = ("import sys, importlib.util\nassert importlib.util.find_spec('paramiko'), 'paramiko is not installed'\n"
            "import launcher.local.job, launcher.local.placement\n"
            "print('paramiko' in sys.modules, hasattr(__import__('docker.transport').transport, 'SSHHTTPAdapter'))")
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    if docker_host is not None:
        env["DOCKER_HOST"] = docker_host
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    ssh = docker_host is not None and docker_host.startswith("ssh://")
    assert result.stdout.split() == [str(ssh), str(ssh)]


def test_the_entry_point_reaches_a_warm_byoc_with_the_standard_library_alone() -> None:
    """`byoc run` hands itself to a warm process (launcher/cli/warm.py) before loading typer, rich, yaml or the
    launcher's modules: that is the point of it. Nor json, socket, signal or hashlib, which import re, enum,
    functools and OpenSSL: together they took longer than Python's own start."""
    code = ("import sys\nbefore = set(sys.modules)\nimport launcher.cli.handover\n"
            "print(sorted(set(sys.modules) - before))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    added = set(ast.literal_eval(result.stdout))
    assert {"launcher", "launcher.cli", "launcher.cli.handover"} <= added
    assert added <= {"launcher", "launcher.cli", "launcher.cli.handover", "__future__", "marshal", "resource",
                     "struct", "_struct", "_blake2", "_socket", "_signal"}


def test_local_commands_work_in_a_folder_that_was_removed(tmp_path: Path) -> None:
    """A warm start fingerprints the working folder; where there is none, `byoc` runs as it always did."""
    gone = tmp_path / "gone"
    gone.mkdir()
    byoc = (f"import sys; sys.argv = ['byoc', 'list', '--jobs-dir', {str(tmp_path)!r}]; "
            "from launcher.cli import main; main()")
    result = subprocess.run(["sh", "-c", f'cd "{gone}" && rmdir "{gone}" && exec "$0" -c "$1"', sys.executable, byoc],
                            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
