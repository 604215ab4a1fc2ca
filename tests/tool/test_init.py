"""`byoc init` with the installed byoc, for each kind of --from: the project builds, runs, and passes its own tests.

No registry is reachable here, so the two foreign bases are images built on this machine: python:TAG is
Debian trixie's Python 3.13 with pip where python:* images keep it (images/python-standin.Dockerfile,
tagged python:3.13-byoc-test-<session>), and IMAGE is Debian bullseye's own python3 (3.9, no pip), the
oldest Python the runtime supports. The kit's images are the ones `make build` made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runtime_wheel.conftest import BASES
from tests.tool.conftest import DOCKER, SESSION, Installed, outside_env

IMAGES = Path(__file__).parent / "images"
CHOICES = ("base", "sklearn", "spark", "python:TAG", "IMAGE")
FOREIGN_IMAGE = BASES["bullseye"].image


@pytest.fixture(scope="session")
def python_standin(images_to_remove: list[str]) -> str:
    tag = f"python:3.13-byoc-test-{SESSION}"
    build = subprocess.run(
        [DOCKER, "build", "-q", "--platform", "linux/amd64", "--build-arg", f"BASE_IMAGE={BASES['trixie'].image}",
         "-f", str(IMAGES / "python-standin.Dockerfile"), "-t", tag, str(IMAGES)],
        env={**os.environ, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, f"building {tag} failed (needs `{BASES['trixie'].make_target}`):\n{build.stderr}"
    images_to_remove.append(tag)
    return tag


def base_for(choice: str, request: pytest.FixtureRequest) -> str:
    """What --from gets for each kind of choice (the python stand-in is built only when a test needs it)."""
    if choice == "python:TAG":
        return str(request.getfixturevalue("python_standin"))
    return FOREIGN_IMAGE if choice == "IMAGE" else choice


@dataclass(frozen=True)
class Project:
    """A project `byoc init` made from `base`, its own tests (as its `make test` runs them) started in `folder`."""

    base: str
    name: str
    made: subprocess.CompletedProcess[str]
    folder: Path
    tests: subprocess.Popen[str] | None  # None when `byoc init` failed

    def test_run(self) -> tuple[int, str, str]:
        """The tests' exit code, stdout and stderr, once they have ended."""
        assert self.tests is not None, self.made.stderr
        self.tests.wait(timeout=3600)
        return self.tests.returncode, (self.folder / "tests.out").read_text(), (self.folder / "tests.err").read_text()


@pytest.fixture(scope="module")
def projects(install: Callable[[str], Installed], request: pytest.FixtureRequest, images_to_remove: list[str],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Project]]:
    """A project for each choice whose test was selected, all made first and their tests then run side by side:
    the Spark project's are the longest, and the others' fit beside them."""
    test = test_a_new_project_builds_runs_and_passes_its_own_tests.__name__
    selected = [str(item.callspec.params["choice"]) for item in request.session.items
                if isinstance(item, pytest.Function) and item.path == request.path and item.originalname == test]
    byoc = install("venv")
    made: dict[str, Project] = {}
    try:
        for choice in sorted(selected, key=lambda c: c != "spark"):  # the longest first
            name = f"proj-{choice.split(':')[0].lower()}-{SESSION}"
            folder = tmp_path_factory.mktemp(f"init-{choice.split(':')[0].lower()}")
            base = ""
            try:
                base = base_for(choice, request)
                result = byoc.run("init", name, "--from", base, cwd=folder)
            except Exception as error:  # this choice's test fails with it; the others run
                result = subprocess.CompletedProcess(["byoc", "init", name], -1, "", f"{type(error).__name__}: {error}")
            images_to_remove.append(f"{name}:latest")
            tests = None
            if result.returncode == 0:
                with (folder / "tests.out").open("w") as out, (folder / "tests.err").open("w") as err:
                    tests = subprocess.Popen(
                        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=folder / name,
                        env={**outside_env(), "BYOC": str(byoc.byoc)}, stdout=out, stderr=err, text=True)
            made[choice] = Project(base, name, result, folder, tests)
        yield made
    finally:
        for project in made.values():
            if project.tests is not None and project.tests.poll() is None:
                project.tests.kill()
                project.tests.wait()


@pytest.mark.parametrize("choice", CHOICES)
def test_a_new_project_builds_runs_and_passes_its_own_tests(choice: str, projects: dict[str, Project]) -> None:
    project = projects[choice]
    base, name, made = project.base, project.name, project.made

    assert made.returncode == 0, made.stderr
    dockerfile = (project.folder / name / "Dockerfile").read_text()
    reference = base if choice not in ("base", "sklearn", "spark") else f"byoc/{choice}:latest"
    assert f"\nFROM {reference}\n" in dockerfile
    assert '\nENTRYPOINT ["python3", ' in dockerfile  # exec form: the job is PID 1 and gets SIGTERM
    wheels_folder = project.folder / name / "wheels"
    wheels = sorted(p.name for p in wheels_folder.iterdir()) if wheels_folder.exists() else []
    assert wheels == ([] if choice in ("base", "sklearn", "spark") else ["byoc_runtime-0.1.0-py3-none-any.whl"])
    assert made.stdout.splitlines()[0] == f"created {name}/ (FROM {reference}):"

    # The project's own tests, as `make test` runs them: they build the image and run both job files.
    code, stdout, stderr = project.test_run()
    assert code == 0, stdout + stderr
    assert stdout.strip().splitlines()[-1].startswith("3 passed")


@pytest.mark.parametrize(("args", "message"), [
    (["taken"], "taken already exists: `byoc init` makes a new folder; choose another name or move that one away"),
    (["Bad_Name"], "bad project name 'Bad_Name': lowercase letters, digits and single hyphens, starting with a "
                   "letter, at most 37 characters (it names the folder, the image NAME:latest and the jobs)"),
    (["x" * 38], f"bad project name '{'x' * 38}': lowercase letters, digits and single hyphens, starting with a "
                 "letter, at most 37 characters (it names the folder, the image NAME:latest and the jobs)"),
    (["two--hyphens"], "bad project name 'two--hyphens': lowercase letters, digits and single hyphens, starting "
                       "with a letter, at most 37 characters (it names the folder, the image NAME:latest and the "
                       "jobs)"),
    (["no/such/folder/job"], "no/such/folder is not a folder: create it first, or run `byoc init` inside it"),
    (["job", "--from", "sklarn"], "unknown --from 'sklarn': one of base, sklearn, spark (the kit's images), "
                                  "python:TAG (e.g. python:3.12-slim), or any image with Python 3.9 or newer named "
                                  "with a tag or digest (e.g. nvidia/cuda:12.4.1-runtime-ubuntu22.04)"),
], ids=["existing-folder", "bad-characters", "too-long", "double-hyphen", "no-parent", "unknown-from"])
def test_byoc_init_refuses_with_a_clear_message_and_exit_2_and_writes_nothing(
    args: list[str], message: str, install: Callable[[str], Installed], tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    result = install("venv").run("init", *args, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"error: {message}"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
