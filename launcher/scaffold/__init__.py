"""`byoc init NAME --from BASE`: a new image project in a new folder, which builds, runs and passes its tests as made.

    NAME/Dockerfile             FROM the base; the runtime installed where the base lacks it; job.py as an
                                exec-form ENTRYPOINT
    NAME/job.py                 byoc_runtime.run, one input channel (File and Pipe mode), one output
    NAME/job.yaml, job-2.yaml   the job on 1 and on 2 instances
    NAME/data/                  sample data for both
    NAME/tests/test_image.py    builds the image and runs both job files with `byoc run`
    NAME/tests/conftest.py      what the tests share: the image built once, a copy to run in, `byoc`
    NAME/Makefile, README.md    build, run, run-2, check, test, push
    NAME/wheels/                the byoc-runtime wheel, for bases other than the kit's (not on PyPI yet)

The files are templates/ (common/, then python/ or spark/ by the base's flavour), with `{{key}}` filled in.
The project is written into a temporary sibling folder and renamed into place, so a failure leaves nothing
half made and an existing folder is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from launcher.definition import MAX_BASE_JOB_NAME_LENGTH
from launcher.scaffold.bases import Base, ScaffoldError

# The name is the folder's, the image's (NAME:latest) and the jobs' base_job_name, with `-2` for job-2.yaml:
# Docker's repository rules and SageMaker's job-name rules both allow this much.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MAX_NAME_LENGTH = MAX_BASE_JOB_NAME_LENGTH - len("-2")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
DOT_PREFIX = "dot-"  # templates/common/dot-gitignore becomes .gitignore (a real one would act on this repository)
_ENSURE_KIT_IMAGE = "\t@$(DOCKER) image inspect {reference} >/dev/null 2>&1 || $(BYOC) build {image}\n"


@dataclass(frozen=True, slots=True)
class Project:
    folder: Path
    files: tuple[str, ...]  # relative paths, sorted


def check_target(target: Path) -> str:
    """The project's name (the folder's last part), or a ScaffoldError for a bad name or an existing folder."""
    name = target.name
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(
            f"bad project name {name!r}: lowercase letters, digits and single hyphens, starting with a letter, at "
            f"most {MAX_NAME_LENGTH} characters (it names the folder, the image NAME:latest and the jobs)")
    if target.exists() or target.is_symlink():
        raise ScaffoldError(f"{target} already exists: `byoc init` makes a new folder; choose another name or "
                            f"move that one away")
    if not target.parent.is_dir():
        raise ScaffoldError(f"{target.parent} is not a folder: create it first, or run `byoc init` inside it")
    return name


def create_project(target: Path, base: Base, runtime_wheel: Path | None) -> Project:
    """Write the project into `target`, which must not exist; `runtime_wheel` goes to wheels/ when given."""
    name = check_target(target)
    values = _values(name, base)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would stay with the project
        templates = files("launcher.scaffold") / "templates"
        for source in ("common", base.flavour):
            _render_tree(templates / source, staging, values)
        if runtime_wheel is not None:
            (staging / "wheels").mkdir()
            shutil.copy2(runtime_wheel, staging / "wheels" / runtime_wheel.name)
        written = tuple(sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()))
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Project(target, written)


def render(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _values(name: str, base: Base) -> dict[str, str]:
    spark = base.flavour == "spark"
    entrypoint = '["python3", "-m", "byoc_spark", "spark-app", "/opt/program/job.py"]' if spark else \
        '["python3", "/opt/program/job.py"]'
    wheel_row = "| `wheels/` | the byoc-runtime wheel the Dockerfile installs (byoc-runtime is not on PyPI yet) |\n"
    return {
        "name": name,
        "image": f"{name}:latest",
        "choice": base.choice,
        "version": version("byoc-processing"),
        "from_image": base.reference,
        "from_block": base.from_block(),
        "entrypoint": entrypoint,
        "ensure_base": _ENSURE_KIT_IMAGE.format(reference=base.reference, image=base.kit_image)
        if base.kit_image else "",
        "dockerfile_summary": f"FROM {base.reference}" + ("" if base.kit_image else ", byoc-runtime installed from "
                                                          "`wheels/`") + ", `job.py` as its ENTRYPOINT",
        "job_summary": "a PySpark app on one Spark cluster over the job's instances" if spark else
        "a Python script using `byoc_runtime.run`",
        "wheel_row": "" if base.kit_image else wheel_row,
        # byoc check runs the job on 2 hosts too: a Spark app's channel must then be File mode, every host's.
        "check_job": "job-2.yaml" if spark else "job.yaml",
    }


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _render_tree(source: Traversable, destination: Path, values: dict[str, str]) -> None:
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        name = "." + entry.name.removeprefix(DOT_PREFIX) if entry.name.startswith(DOT_PREFIX) else entry.name
        if entry.is_dir():
            (destination / name).mkdir(exist_ok=True)
            _render_tree(entry, destination / name, values)
        else:
            (destination / name).write_text(render(entry.read_text(encoding="utf-8"), values), encoding="utf-8")
