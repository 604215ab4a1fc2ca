"""What AWS credentials cost a local job: the same job with the launcher's credentials and without any.

    python -m bench.credentials [--rounds 5]

`byoc run` end to end on 1 and 4 instances of the base image. With credentials every host gets a sidecar
(launcher/local/credentials.py): created, given its lease and started before the host's container. Without,
the job pays only for finding out that there are none (botocore's credential chain, resolved while the
job is staged). Also printed: the median seconds of the job's own phases on each side (`byoc run --timings`),
so the cost shows where it lands. No target: this measures what a seam costs, for whoever speeds up jobs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import MIN_ROUNDS, Result, compare, report

IMAGE = "byoc/base:latest"
BYOC = str(Path(sys.executable).parent / "byoc")
NO_AWS = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}
WITH_KEYS = {**NO_AWS, "AWS_ACCESS_KEY_ID": "AKIABENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret"}


def environment(extra: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**clean, **extra}


def run_byoc(job: Path, jobs_dir: Path, env: dict[str, str], phases: list[dict[str, float]]) -> None:
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir)], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    newest = max(jobs_dir.glob("*/job.json"), key=lambda p: p.stat().st_mtime)
    phases.append(json.loads(newest.read_text())["timings"])


def phase_medians(phases: list[dict[str, float]]) -> str:
    names = list(dict.fromkeys(name for run in phases for name in run))
    return " ".join(f"{name} {statistics.median(run.get(name, 0.0) for run in phases):.3f}" for name in names)


def main(rounds: int = 5) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="byoc-bench-") as tmp:
        root = Path(tmp)
        for count in (1, 4):
            job = root / f"job-{count}.yaml"
            job.write_text(f"base_job_name: bench-credentials-{count}\nimage_uri: {IMAGE}\ninstance_count: {count}\n")
            with_phases: list[dict[str, float]] = []
            without_phases: list[dict[str, float]] = []
            ours, base = compare(
                functools.partial(run_byoc, job, root / "with", environment(WITH_KEYS), with_phases),
                functools.partial(run_byoc, job, root / "without", environment(NO_AWS), without_phases), rounds)
            results.append(report(f"local job with AWS credentials vs without, {count} instance(s)", ours, base,
                                  note="phases in the job's timings (median s) with: "
                                       f"{phase_medians(with_phases)}; without: {phase_medians(without_phases)}"))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=max(MIN_ROUNDS, 5))
    main(parser.parse_args().rounds)
