"""What {{name}}'s tests share: the image built once, a copy of the project to run in, `byoc`, and the
summaries the sample data should give.

`make test` runs the tests. They need a Docker engine, pytest, make, and `byoc` (the BYOC environment
variable, else `byoc` on PATH). Each test runs a copy of the job files and data/ in a temporary folder, so
the project's own output/ is left alone, and keeps its job folders there too (--jobs-dir).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BYOC = os.environ.get("BYOC", "byoc")

Byoc = Callable[..., "subprocess.CompletedProcess[str]"]  # its byoc fixture
Summaries = dict[str, tuple[int, float, float, float]]


@pytest.fixture(scope="session")
def image() -> None:
    """`make build`: the image every job file names."""
    built = subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT), "build", f"BYOC={BYOC}"],
                           capture_output=True, text=True, timeout=1800, check=False)
    assert built.returncode == 0, f"make build failed:\n{built.stdout}\n{built.stderr}"


@pytest.fixture
def workdir(image: None, tmp_path: Path) -> Path:
    """A copy of the job files and data/."""
    for job_file in ("job.yaml", "job-2.yaml"):
        shutil.copy(PROJECT / job_file, tmp_path)
    shutil.copytree(PROJECT / "data", tmp_path / "data")
    return tmp_path


@pytest.fixture
def byoc(workdir: Path) -> Byoc:
    """`byoc ARGS... --jobs-dir <workdir>/jobs`, run in the workdir."""
    if shutil.which(BYOC) is None:
        pytest.fail(f"no `{BYOC}` command: install byoc-processing (pipx install ...), or set BYOC to its path")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BYOC, *args, "--jobs-dir", str(workdir / "jobs")], cwd=workdir, capture_output=True,
                              text=True, timeout=900, check=False)

    return run


@pytest.fixture
def expected(workdir: Path) -> Summaries:
    """Each sample file's rows, min, max and mean, computed here the plain way."""
    found = {}
    for path in sorted((workdir / "data").glob("*.csv")):
        with path.open(newline="") as text:
            values = [float(row["temperature"]) for row in csv.DictReader(text)]
        found[path.name] = (len(values), min(values), max(values), sum(values) / len(values))
    return found
