"""{{name}}'s own tests: build the image, then run both job files on the sample data with `byoc run`
(conftest.py: the image, the copy each test runs in, `byoc`, the summaries expected)."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Byoc = Callable[..., "subprocess.CompletedProcess[str]"]  # conftest.py's byoc fixture
Summaries = dict[str, tuple[int, float, float, float]]  # data file -> (rows, min, max, mean)


def summary(folder: Path) -> Summaries:
    """Data file -> (rows, min, max, mean) from the part files Spark wrote, wherever its hosts wrote them."""
    found = {}
    for path in sorted(folder.glob("part-*.csv")):
        with path.open(newline="") as text:
            for row in csv.DictReader(text):
                assert row["file"] not in found, f"{row['file']} summarised twice"
                found[row["file"]] = (int(row["rows"]), float(row["min"]), float(row["max"]), float(row["mean"]))
    return found


def assert_summarised(folder: Path, want: Summaries) -> None:
    got = summary(folder)
    assert sorted(got) == sorted(want)
    for name, (rows, low, high, mean) in want.items():
        assert got[name][:3] == (rows, low, high), name
        assert got[name][3] == pytest.approx(mean, abs=0.005), name  # rounded to 2 decimals by Spark


def test_one_instance_in_pipe_mode_summarises_every_file(workdir: Path, byoc: Byoc, expected: Summaries) -> None:
    run = byoc("run", "job.yaml")

    assert run.returncode == 0, run.stderr
    assert_summarised(workdir / "output" / "summary", expected)


def test_two_instances_as_one_cluster_in_file_mode_summarise_every_file(workdir: Path, byoc: Byoc,
                                                                        expected: Summaries) -> None:
    run = byoc("run", "job-2.yaml")

    assert run.returncode == 0, run.stderr
    assert_summarised(workdir / "output" / "summary-2", expected)


def test_a_bad_value_fails_the_job_with_the_file_and_line_in_its_exit_message(workdir: Path, byoc: Byoc) -> None:
    bad = workdir / "data" / "day-2.csv"
    bad.write_text(bad.read_text().replace("\n", "\nlighthouse,warm\n", 1))

    run = byoc("run", "job.yaml", "--job-name", "{{name}}-bad-value")
    described = byoc("describe", "{{name}}-bad-value", "--json")

    assert run.returncode == 1, run.stderr
    status = json.loads(described.stdout)
    message = ("InputError: channel 'data', file 'day-2.csv' line 2: 'lighthouse,warm' has no number in column 2 "
               "(temperature)")
    assert status["ProcessingJobStatus"] == "Failed"
    assert status["ExitMessage"] == f"[algo-1] SparkAppError: {message} (the Spark app /opt/program/job.py exited " \
                                    "with code 4)"
    assert not (workdir / "output" / "summary").exists()  # a failed job uploads nothing
