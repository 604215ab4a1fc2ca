"""The pca_ecg job end to end through the local backend, Pipe mode against File mode, on the same data.

    python bench/pca_pipe_vs_file.py [--files 8] [--rows 400000] [--instances 2] [--rounds 3]
    (or python -m bench.pca_pipe_vs_file)

Both runs are `LocalBackend.run` of one job definition (byoc/sklearn, `pca_ecg --n-components 4`, the
recordings ShardedByS3Key over the instances) that differs only in `s3_input_mode`: File mode copies
each host's shard into its folder before the containers start; Pipe mode starts them at once and
streams the shard into a FIFO while pca_ecg reads it. The two must write the same bytes (checked).
Rounds alternate the modes; medians reported. No target is set: the ratio shows what streaming costs
or saves for this job on this machine (Pipe's gain grows with the data, its cost is a Python split).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as `python bench/pca_pipe_vs_file.py`
    sys.path.insert(0, str(REPO))

from bench.timing import MIN_ROUNDS, Result, compare, report  # noqa: E402
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput  # noqa: E402
from launcher.local.backend import LocalBackend  # noqa: E402
from launcher.local.options import LocalOptions  # noqa: E402

IMAGE = "byoc/sklearn:latest"
RATE_HZ = 250


def write_recordings(folder: Path, files: int, rows: int) -> int:
    """ECG-like CSVs (time + 4 leads, some missing values), one header shared by all; total bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    t = np.arange(rows) / RATE_HZ
    for i in range(files):
        columns = {"time": pa.array(np.round(t, 3))}
        for k in range(4):
            lead = np.sin(2 * np.pi * (1.1 + 0.1 * i) * t + k) + rng.normal(0, 0.05, rows)
            columns[f"lead_{k + 1}"] = pa.array(np.round(lead, 5), mask=rng.random(rows) < 0.005)
        pacsv.write_csv(pa.table(columns), folder / f"ecg-{i}.csv",
                        pacsv.WriteOptions(quoting_style="none", quoting_header="none"))
    return sum(path.stat().st_size for path in folder.iterdir())


def job(data: Path, out: Path, mode: str, instances: int) -> JobDefinition:
    return JobDefinition(
        image_uri=IMAGE, arguments=("pca_ecg", "--n-components", "4"), instance_count=instances,
        inputs=(ProcessingInput(str(data), "/opt/ml/processing/input/ecg", "ecg", s3_input_mode=mode,
                                s3_data_distribution_type="ShardedByS3Key"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/pca", str(out), "pca"),),
    )


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def main(files: int = 8, rows: int = 400_000, instances: int = 2, rounds: int = MIN_ROUNDS) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-pipe-file-") as tmp:
        root = Path(tmp)
        size = write_recordings(root / "ecg", files, rows)
        backend = LocalBackend(LocalOptions(jobs_dir=root / "jobs"))
        counter = itertools.count()
        last: dict[str, Path] = {}

        def run(mode: str) -> None:
            out = root / f"out-{mode}-{next(counter)}"
            record = backend.wait(backend.submit(job(root / "ecg", out, mode, instances)))
            if record.status != "Completed":
                raise SystemExit(f"the {mode}-mode job ended {record.status}: {record.failure_reason}")
            last[mode] = out

        pipe, file = compare(lambda: run("Pipe"), lambda: run("File"), rounds)
        if outputs(last["Pipe"]) != outputs(last["File"]):
            raise SystemExit("Pipe and File mode wrote different outputs")
    print(f"pca_ecg, {files} recordings x {rows} rows ({size / 1e6:.0f} MB) sharded over {instances} instances, "
          f"median of {rounds}: Pipe mode {pipe:.2f} s, File mode {file:.2f} s")
    return [report(f"pca_ecg via the local backend, Pipe vs File mode ({size / 1e6:.0f} MB, {instances} hosts)",
                   pipe, file, note="Pipe = File outputs checked")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    arguments = parser.parse_args()
    main(arguments.files, arguments.rows, arguments.instances, arguments.rounds)
