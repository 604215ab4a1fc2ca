"""Jobs run the way the image runs them, `python -m byoc_runtime JOB ARGS`, against a fake /opt/ml tree."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.mltree import MlTree, job_config

REPO = Path(__file__).resolve().parents[2]
# Read by process_data; a developer's own value must not change what the tests see.
JOB_ENV_NAMES = ("PROCESSOR",)


@dataclass(frozen=True)
class JobRun:
    """What a job run leaves behind that SageMaker would show: exit code, logs, exit message."""

    returncode: int
    stdout: str
    stderr: str
    message: str | None


@pytest.fixture
def tree(tmp_path: Path) -> MlTree:
    root = tmp_path / "opt" / "ml"
    root.mkdir(parents=True)
    return MlTree(root)


def run_job(tree: MlTree, job: str, *args: str, env: Mapping[str, str] | None = None) -> JobRun:
    environ = {name: value for name, value in os.environ.items() if name not in JOB_ENV_NAMES}
    environ |= {"PYTHONPATH": str(REPO / "entrypoints"), "BYOC_ML_ROOT": str(tree.root), **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "byoc_runtime", job, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return JobRun(result.returncode, result.stdout, result.stderr, tree.message)


def configure(
    tree: MlTree,
    *,
    inputs: dict[str, str],
    outputs: dict[str, str],
    environment: dict[str, str] | None = None,
    hosts: tuple[str, ...] = ("algo-1",),
    current_host: str = "algo-1",
    distribution: str = "FullyReplicated",
) -> dict[str, Any]:
    """Write both config files, with channel and output folders made as SageMaker makes them."""
    job = job_config(inputs=inputs, outputs=outputs, instance_count=len(hosts))
    job["Environment"] = environment or {}
    for channel in job["ProcessingInputs"]:
        channel["S3Input"]["S3DataDistributionType"] = distribution
    tree.write_config(job, current_host=current_host, hosts=list(hosts))
    for local in outputs.values():
        tree.path(local).mkdir(parents=True, exist_ok=True)
    return job


def write_ecg(path: Path, *, seconds: float = 8.0, rate: int = 250, leads: int = 4, seed: int = 0,
              nan_fraction: float = 0.02) -> Path:
    """An ECG-like recording: heartbeat pulses and breathing per lead, baseline drift, noise, some gaps.

    Missing cells are written as empty cells and as 'NaN', the two spellings real exports use.
    """
    rng = np.random.default_rng(seed)
    time = np.arange(int(seconds * rate)) / rate
    phase = (time * 1.2) % 1.0  # 72 beats per minute
    beat = np.exp(-(((phase - 0.3) / 0.015) ** 2)) - 0.2 * np.exp(-(((phase - 0.5) / 0.06) ** 2))
    columns = []
    for k in range(leads):
        breathing = 0.1 * np.sin(2 * np.pi * 0.25 * time + k)
        drift = 0.02 * (k + 1) * time
        columns.append((1.0 + 0.3 * k) * beat + breathing + drift + rng.normal(0.0, 0.02, time.size))
    values = np.column_stack(columns)
    gaps = rng.random(values.shape) < nan_fraction
    lines = ["time," + ",".join(f"lead_{k + 1}" for k in range(leads))]
    for t, row, gap in zip(time, values, gaps, strict=True):
        cells = [("" if rng.random() < 0.5 else "NaN") if g else repr(float(v)) for v, g in zip(row, gap, strict=True)]
        lines.append(",".join([repr(float(t)), *cells]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def read_matrix(path: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A headerless numeric CSV as a 2-D float array (1 row stays 2-D)."""
    return np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
