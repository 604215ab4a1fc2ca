"""The local backend against plain `docker run`s of the same image and job, with bind mounts.

    python -m bench.local_backend [--rounds 3]

1 instance: `byoc run job.yaml` end to end (CLI start, staging, config files, network, container, log
capture, output upload) against one `docker run --rm -v ...` of the same image and arguments. `byoc run`
starts warm, as every run after a user's first does (launcher/cli/warm.py): one untimed run first leaves
the warm process. The same job started cold is timed too (no target), against docker runs of its own:
a cold run leaves its machine busier (two Python processes ending), and interleaved with the warm runs
it would slow whichever came next.
8 instances: the same with instance_count 8 against 8 `docker run`s started in parallel.
Targets: 1.25x or less for 1 instance, 1.15x or less for 8.

Hosts that must find each other by name (`algo-1` ... `algo-8`) need a user-defined network, and the
engine starts containers on one more slowly than on its default bridge, which plain `docker run`s use.
So the 8-instance job is also put (no target) against 8 `docker run`s on one user-defined network, and
those against the plain ones: the engine's own share of the gap.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import MIN_ROUNDS, Result, Target, median_times, report, user_network

IMAGE = "byoc/base:latest"
DOCKER = shutil.which("docker") or "docker"
BYOC = str(Path(sys.executable).parent / "byoc")


def make_data(root: Path, files: int = 8) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (data / f"part-{i}.csv").write_text("t,a,b\n" + "".join(f"{j},{j % 7},{j % 11}\n" for j in range(2000)))
    return data


def job_file(root: Path, data: Path, count: int) -> Path:
    job = root / f"job-{count}.yaml"
    job.write_text(
        f"base_job_name: bench-{count}\nimage_uri: {IMAGE}\ninstance_count: {count}\n"
        'arguments: ["inventory", "--output", "out"]\n'
        f"inputs:\n  - source: {data}\n    destination: /opt/ml/processing/input/data\n    input_name: data\n"
        "outputs:\n  - source: /opt/ml/processing/output/out\n"
        f"    destination: {root / 'out'}\n    output_name: out\n"
    )
    return job


def run_byoc(job: Path, jobs_dir: Path, cold: bool = False) -> None:
    """`byoc run`: warm (launcher/cli/warm.py) after the first round, as a user's second run is; `cold`: never."""
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "BYOC_WARM_SECONDS": "0"} if cold else None)


def docker_run_command(data: Path, out: Path, network: str | None = None) -> list[str]:
    return [DOCKER, "run", "--rm", *(["--network", network] if network else []),
            "-v", f"{data}:/opt/ml/processing/input/data",
            "-v", f"{out}:/opt/ml/processing/output/out", IMAGE, "inventory", "--output", "out"]


def run_docker(data: Path, out_root: Path, count: int, network: str | None = None) -> None:
    outs = [out_root / f"host-{i}" for i in range(count)]
    for out in outs:
        out.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen(docker_run_command(data, out, network), stdout=subprocess.DEVNULL) for out in outs]
    if any(proc.wait() != 0 for proc in procs):
        raise RuntimeError("a plain docker run failed")


def main(rounds: int = MIN_ROUNDS) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="byoc-bench-") as tmp, user_network() as network:
        root = Path(tmp)
        data = make_data(root)
        for count, target in ((1, Target(1.25)), (8, Target(1.15))):
            job = job_file(root, data, count)
            docker = functools.partial(run_docker, data, root / "plain", count)
            run_byoc(job, root / "jobs")  # untimed: the warm process the timed runs start in
            measures = {"docker": docker, "byoc": functools.partial(run_byoc, job, root / "jobs")}
            if count > 1:
                measures["named"] = functools.partial(run_docker, data, root / "plain", count, network)
            found = median_times(measures, rounds)
            cold = median_times({"docker": docker, "cold": functools.partial(run_byoc, job, root / "jobs", cold=True)},
                         rounds)
            results.append(report(f"local backend, {count} instance(s) vs {count} parallel docker run(s)",
                                  found["byoc"], found["docker"], target=target))
            results.append(report(f"local backend started cold (BYOC_WARM_SECONDS=0), {count} instance(s) vs "
                                  f"{count} parallel docker run(s)", cold["cold"], cold["docker"]))
            if count > 1:
                results.append(report(f"local backend, {count} instances vs {count} parallel docker runs on one "
                                      "user-defined network", found["byoc"], found["named"]))
                results.append(report(f"{count} parallel docker runs on one user-defined network vs on the default "
                                      "bridge (the engine alone)", found["named"], found["docker"]))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    main(parser.parse_args().rounds)
