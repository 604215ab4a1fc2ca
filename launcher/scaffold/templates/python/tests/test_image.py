"""{{name}}'s own tests: build the image, then run both job files on the sample data with `byoc run`
(conftest.py: the image, the copy each test runs in, `byoc`, the summaries expected)."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Byoc = Callable[..., "subprocess.CompletedProcess[str]"]  # conftest.py's byoc fixture
Summaries = dict[str, tuple[int, float, float, float]]  # data file -> (rows, min, max, mean)


def rounded(summaries: Summaries) -> Summaries:
    """As job.py writes them: the mean to 2 decimals (job-2.yaml's --decimals; job.yaml's default)."""
    return {name: (rows, low, high, round(mean, 2)) for name, (rows, low, high, mean) in summaries.items()}


def summaries(folder: Path) -> dict[str, Summaries]:
    """Host file -> {data file -> (rows, min, max, mean)} of every <host>.csv the job wrote."""
    found = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as text:
            found[path.name] = {row["file"]: (int(row["rows"]), float(row["min"]), float(row["max"]),
                                              float(row["mean"])) for row in csv.DictReader(text)}
    return found


def test_one_instance_in_file_mode_summarises_every_file(workdir: Path, byoc: Byoc, expected: Summaries) -> None:
    run = byoc("run", "job.yaml")

    assert run.returncode == 0, run.stderr
    assert summaries(workdir / "output" / "summary") == {"algo-1.csv": rounded(expected)}


def test_two_instances_in_pipe_mode_each_summarise_their_shard(workdir: Path, byoc: Byoc,
                                                               expected: Summaries) -> None:
    run = byoc("run", "job-2.yaml")

    assert run.returncode == 0, run.stderr
    every = rounded(expected)
    names = sorted(every)
    assert summaries(workdir / "output" / "summary-2") == {  # ShardedByS3Key: object i goes to host i mod 2
        "algo-1.csv": {name: every[name] for name in names[0::2]},
        "algo-2.csv": {name: every[name] for name in names[1::2]},
    }


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
    assert status["ExitMessage"] == f"[algo-1] {message}"
    assert not (workdir / "output" / "summary").exists()  # a failed job uploads nothing
