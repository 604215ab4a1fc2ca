"""32 instances on one machine: a ShardedByS3Key job over 256 objects against 32 parallel `docker run`s.

    python -m bench.scale_32 [--rounds 3]

`byoc run` of a 32-instance job (the base image's inventory job; its input, 256 small files, dealt
by ShardedByS3Key, 8 to each host) against 32 `docker run`s started at once, each with its host's 8
files bind-mounted, prepared before the clock starts. `byoc run` starts warm, as a user's second run does
(one untimed run first). Target: 1.2x or less. The outputs are checked:
every host saw exactly its 8 files, and no file went to two hosts. As in bench.local_backend, also
(no target) against the same 32 `docker run`s on one user-defined network, which named hosts need and
on which the engine starts containers more slowly than on its default bridge.

The launcher's peak RSS (no target) is measured on one more run of the same job, in a process that
submits it and supervises it in a thread (`Supervision.THREAD`), so the one process's `ru_maxrss`
holds everything the launcher did for the job: staging, 32 containers, their logs, the upload.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.local_backend import BYOC, DOCKER, IMAGE
from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, report, timed, user_network

HOSTS = 32
OBJECTS = 256
TARGET = Target(1.2)


def make_data(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True)
    for i in range(OBJECTS):
        (data / f"part-{i:03d}.csv").write_text("t,a\n" + "".join(f"{j},{j % 7}\n" for j in range(200)))
    return data


def job_file(root: Path, data: Path, out: Path) -> Path:
    job = root / "job-32.yaml"
    job.write_text(
        f"base_job_name: bench-32\nimage_uri: {IMAGE}\ninstance_count: {HOSTS}\n"
        'arguments: ["inventory", "--output", "out"]\n'
        f"inputs:\n  - source: {data}\n    destination: /opt/ml/processing/input/data\n    input_name: data\n"
        "    s3_data_distribution_type: ShardedByS3Key\n"
        f"outputs:\n  - source: /opt/ml/processing/output/out\n    destination: {out}\n    output_name: out\n")
    return job


def shares(data: Path, root: Path) -> list[Path]:
    """Each host's share as ShardedByS3Key deals it (key order, round-robin), in a folder of its own."""
    folders = [root / f"share-{i}" for i in range(HOSTS)]
    for folder in folders:
        folder.mkdir(parents=True)
    for i, file in enumerate(sorted(data.iterdir())):
        os.link(file, folders[i % HOSTS] / file.name)
    return folders


def run_docker(folders: list[Path], out_root: Path, network: str | None = None) -> None:
    procs = []
    for i, folder in enumerate(folders):
        out = out_root / f"host-{i}"
        out.mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen(
            [DOCKER, "run", "--rm", *(["--network", network] if network else []),
             "-v", f"{folder}:/opt/ml/processing/input/data",
             "-v", f"{out}:/opt/ml/processing/output/out", IMAGE, "inventory", "--output", "out"],
            stdout=subprocess.DEVNULL))
    if any(proc.wait() != 0 for proc in procs):
        raise RuntimeError("a plain docker run failed")


def run_byoc(job: Path, jobs_dir: Path) -> None:
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def check_outputs(out: Path) -> None:
    """Every host reported its 8 files, and every file was seen by exactly one host."""
    seen: list[str] = []
    reports = sorted(out.glob("algo-*.json"))
    if len(reports) != HOSTS:
        raise SystemExit(f"{len(reports)} hosts of {HOSTS} wrote their report to {out}")
    for file in reports:
        files = json.loads(file.read_text())["channels"]["data"]
        if len(files) != OBJECTS // HOSTS:
            raise SystemExit(f"{file.stem} got {len(files)} files, not {OBJECTS // HOSTS}")
        seen.extend(files)  # file name -> its digest
    if len(set(seen)) != OBJECTS:
        raise SystemExit(f"{len(set(seen))} distinct files seen by the hosts, not {OBJECTS}")


def launcher_peak_rss(job: Path, jobs_dir: Path) -> float:
    """MiB: the peak RSS of one process that submits the job and supervises it to its end."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.scale_32", "--supervise", str(job), str(jobs_dir)])
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the 32-instance job did not complete (see {jobs_dir})")
    return usage.ru_maxrss / 1024  # KiB on Linux


def supervise(job: Path, jobs_dir: Path) -> None:
    """In the measured process: the job, submitted and supervised here, to its end."""
    from launcher.jobfile import load_job_file
    from launcher.local.backend import LocalBackend
    from launcher.local.options import LocalOptions, Supervision

    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, supervision=Supervision.THREAD))
    status = backend.wait(backend.submit(load_job_file(job)))
    if status.status != "Completed":
        raise SystemExit(f"{status.job_name}: {status.status} ({status.failure_reason})")


def main(rounds: int = MIN_ROUNDS) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-32-") as tmp, user_network() as network:
        root = Path(tmp)
        data = make_data(root)
        job = job_file(root, data, root / "out")
        folders = shares(data, root / "shares")
        run_byoc(job, root / "jobs")  # untimed: the timed runs start warm, as a user's second run does
        found = medians(interleaved({"docker": lambda: timed(lambda: run_docker(folders, root / "plain")),
                                     "byoc": lambda: timed(lambda: run_byoc(job, root / "jobs")),
                                     "named": lambda: timed(lambda: run_docker(folders, root / "plain", network))},
                                    rounds))
        check_outputs(root / "out")
        rss = launcher_peak_rss(job, root / "jobs")
    what = f"{HOSTS} instances (ShardedByS3Key, {OBJECTS} objects)"
    return [report(f"local backend, {what} vs {HOSTS} parallel docker runs", found["byoc"], found["docker"],
                   target=TARGET, note=f"launcher peak RSS {rss:.0f} MiB"),
            report(f"local backend, {what} vs {HOSTS} parallel docker runs on one user-defined network",
                   found["byoc"], found["named"]),
            report(f"{HOSTS} parallel docker runs on one user-defined network vs on the default bridge (the engine "
                   "alone)", found["named"], found["docker"])]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--supervise", nargs=2, metavar=("JOB", "JOBS_DIR"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.supervise:
        supervise(Path(arguments.supervise[0]), Path(arguments.supervise[1]))
    else:
        main(arguments.rounds)
