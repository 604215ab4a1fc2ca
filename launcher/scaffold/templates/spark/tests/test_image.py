"""{{name}}'s own tests: build the image, then run both job files on the sample data with `byoc run`.

`make test` runs them. They need a Docker engine, pytest, make, and `byoc` (the BYOC environment variable,
else `byoc` on PATH). Each test runs a copy of the job files and data/ in a temporary folder, so the
project's own output/ is left alone, and keeps its job folders there too (--jobs-dir).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BYOC = os.environ.get("BYOC", "byoc")


@pytest.fixture(scope="module")
def image() -> None:
    """`make build`: the image every job file names."""
    built = subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT), "build", f"BYOC={BYOC}"],
                           capture_output=True, text=True, timeout=1800, check=False)
    assert built.returncode == 0, f"make build failed:\n{built.stdout}\n{built.stderr}"


@pytest.fixture
def workdir(image: None, tmp_path: Path) -> Path:
    for job_file in ("job.yaml", "job-2.yaml"):
        shutil.copy(PROJECT / job_file, tmp_path)
    shutil.copytree(PROJECT / "data", tmp_path / "data")
    return tmp_path


def byoc(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(BYOC) is None:
        pytest.fail(f"no `{BYOC}` command: install byoc-processing (pipx install ...), or set BYOC to its path")
    return subprocess.run([BYOC, *args, "--jobs-dir", str(workdir / "jobs")], cwd=workdir, capture_output=True,
                          text=True, timeout=900, check=False)


def expected(data: Path) -> dict[str, tuple[int, float, float, float]]:
    """Each sample file's rows, min, max and mean, computed here the plain way."""
    found = {}
    for path in sorted(data.glob("*.csv")):
        with path.open(newline="") as text:
            values = [float(row["temperature"]) for row in csv.DictReader(text)]
        found[path.name] = (len(values), min(values), max(values), sum(values) / len(values))
    return found


def summary(folder: Path) -> dict[str, tuple[int, float, float, float]]:
    """Data file -> (rows, min, max, mean) from the part files Spark wrote, wherever its hosts wrote them."""
    found = {}
    for path in sorted(folder.glob("part-*.csv")):
        with path.open(newline="") as text:
            for row in csv.DictReader(text):
                assert row["file"] not in found, f"{row['file']} summarised twice"
                found[row["file"]] = (int(row["rows"]), float(row["min"]), float(row["max"]), float(row["mean"]))
    return found


def assert_summarised(folder: Path, data: Path) -> None:
    got, want = summary(folder), expected(data)
    assert sorted(got) == sorted(want)
    for name, (rows, low, high, mean) in want.items():
        assert got[name][:3] == (rows, low, high), name
        assert got[name][3] == pytest.approx(mean, abs=0.005), name  # rounded to 2 decimals by Spark


def test_one_instance_in_pipe_mode_summarises_every_file(workdir: Path) -> None:
    run = byoc(workdir, "run", "job.yaml")

    assert run.returncode == 0, run.stderr
    assert_summarised(workdir / "output" / "summary", workdir / "data")


def test_two_instances_as_one_cluster_in_file_mode_summarise_every_file(workdir: Path) -> None:
    run = byoc(workdir, "run", "job-2.yaml")

    assert run.returncode == 0, run.stderr
    assert_summarised(workdir / "output" / "summary-2", workdir / "data")


def test_a_bad_value_fails_the_job_with_the_file_and_line_in_its_exit_message(workdir: Path) -> None:
    bad = workdir / "data" / "day-2.csv"
    bad.write_text(bad.read_text().replace("\n", "\nlighthouse,warm\n", 1))

    run = byoc(workdir, "run", "job.yaml", "--job-name", "{{name}}-bad-value")
    described = byoc(workdir, "describe", "{{name}}-bad-value", "--json")

    assert run.returncode == 1, run.stderr
    status = json.loads(described.stdout)
    message = ("InputError: channel 'data', file 'day-2.csv' line 2: 'lighthouse,warm' has no number in column 2 "
               "(temperature)")
    assert status["ProcessingJobStatus"] == "Failed"
    assert status["ExitMessage"] == f"[algo-1] SparkAppError: {message} (the Spark app /opt/program/job.py exited " \
                                    "with code 4)"
    assert not (workdir / "output" / "summary").exists()  # a failed job uploads nothing
