"""The pca_ecg job against the straightforward pandas + scikit-learn script doing the same work.

    python -m bench.pca_job [--files 8] [--seconds 1000] [--rounds 3]

Both run as fresh processes with the same pinned libraries (the dev venv pins the sklearn image's
stack) on the same generated ECG recordings (250 Hz, 4 leads, missing values; 1000 s is 250 000
rows): the job with the runtime's no-config defaults (channel `ecg`, output `pca`), the reference as
tests/jobs/reference_pca.py (default `pd.read_csv`, `PCA`, `to_csv`). Their outputs must agree to
1e-9. Target: 8x faster or better, i.e. ratio (job / reference) <= 0.125.

A second row, with no target, shows what `--plot ecg-0.csv` (the picture `make demo` draws) adds to
the job's time; all three (reference, job, job with plot) are interleaved in every round. CPU seconds
are printed too: on a busy machine they show the work each side does, whatever share of the cores
it got, while the verdict stays on wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv

from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, ratio_text, report, timed_children
from examples.data.generate import write_ecg

REPO = Path(__file__).resolve().parents[1]
TARGET = Target(1 / 8)
PLOTTED = "ecg-0.csv"


def run_job(ml_root: Path, *args: str) -> None:
    env = {**os.environ, "BYOC_ML_ROOT": str(ml_root), "PYTHONPATH": str(REPO / "entrypoints")}
    subprocess.run([sys.executable, "-m", "byoc_runtime", "pca_ecg", "--n-components", "4", *args], env=env,
                   check=True, stdout=subprocess.DEVNULL)


def run_reference(source: Path, destination: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "tests/jobs/reference_pca.py"), str(source), str(destination), "4"],
                   check=True)


class OutputMismatch(Exception):
    """An output file that cannot be compared number by number with the reference's: another shape."""


def max_difference(ours: Path, reference: Path) -> float:
    """The largest |difference| between the numbers of `ours` and of the reference's output files."""
    worst = 0.0
    expected_files = sorted(reference.glob("pca_*.csv"))
    if not expected_files:
        raise SystemExit(f"the reference wrote nothing to {reference}")
    for expected in expected_files:
        options = pacsv.ReadOptions(autogenerate_column_names=True)
        a = np.column_stack(pacsv.read_csv(ours / expected.name, read_options=options).columns)
        b = np.column_stack(pacsv.read_csv(expected, read_options=options).columns)
        if a.shape != b.shape:
            raise OutputMismatch(f"{expected.name} has {a.shape[0]} rows of {a.shape[1]}, not {b.shape[0]} of "
                                 f"{b.shape[1]}")
        worst = max(worst, float(np.abs(a - b).max()))
    return worst


def main(files: int = 8, seconds: float = 1000, rounds: int = MIN_ROUNDS) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-pca-") as tmp:
        ml_root = Path(tmp) / "ml"
        data = ml_root / "processing/input/ecg"
        write_ecg(data, files, seed=7, seconds=seconds)
        reference = Path(tmp) / "reference"
        cpu: dict[str, list[float]] = {"reference": [], "job": [], "plotted": []}
        found = medians(interleaved({
            "reference": lambda: timed_children(lambda: run_reference(data, reference), cpu["reference"]),
            "job": lambda: timed_children(lambda: run_job(ml_root), cpu["job"]),
            "plotted": lambda: timed_children(lambda: run_job(ml_root, "--plot", PLOTTED), cpu["plotted"]),
        }, rounds))
        cpu_median = medians(cpu)
        output = ml_root / "processing/output/pca"
        difference = max_difference(output, reference)
        if not (output / "pca_ecg-0.png").is_file():
            raise SystemExit(f"pca_ecg --plot {PLOTTED} drew no pca_ecg-0.png")
    ours, base, plotted = found["job"], found["reference"], found["plotted"]
    print(f"pca_ecg vs reference: {files} files x {int(seconds * 250)} rows, max |difference| {difference:.1e}, "
          f"median of {rounds} interleaved rounds: {base / ours:.4g} times as fast; CPU seconds (user + sys) "
          f"job {cpu_median['job']:.2f}, reference {cpu_median['reference']:.2f}, "
          f"job --plot {cpu_median['plotted']:.2f}")
    if difference > 1e-9:
        raise SystemExit(f"the job's numbers differ from the reference by {difference} (> 1e-9)")
    return [
        report("pca_ecg job vs plain pandas + scikit-learn", ours, base, target=TARGET,
               note=f"{base / ours:.4g} times as fast; CPU {ratio_text(cpu_median['job'] / cpu_median['reference'])}; "
                    f"max |difference| {difference:.1e}"),
        report(f"pca_ecg --plot {PLOTTED} vs pca_ecg", plotted, ours, note=f"the plot adds {plotted - ours:.3f} s"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    arguments = parser.parse_args()
    main(arguments.files, arguments.seconds, arguments.rounds)
