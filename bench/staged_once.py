"""Inputs staged once: 8 hosts of a FullyReplicated S3 input against 1 host, end to end through `byoc run`.

    python -m bench.staged_once [--rounds 3] [--megabytes 2048] [--objects 16]

Each side runs a job that does nothing (`true`) on a moto S3 input of `--megabytes` in `--objects`
objects, with bind staging; measured: the job's `stage` seconds (from its record, as `byoc run
--timings` prints them) and the disk its folder takes (hard links counted once). 8 hosts download
each object once and share it behind overlays (launcher/local/layers.py). Targets: 8 hosts under
1.3x the staging time of 1 host, and under 1.2x its disk.

The same input in Pipe mode (no target), each host reading its stream to the end: the job's `run`
seconds, 8 hosts against 1. The 8 hosts' streams share one GET per object (launcher/local/pipe_spool.py),
so what grows with the hosts is the copying into 8 FIFOs and 8 readers, not the download.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.s3_server import client, make_file, put_objects, s3_server
from bench.staging import reading_all
from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, report

IMAGE = "byoc/base:latest"
BYOC = str(Path(sys.executable).parent / "byoc")


def job_file(root: Path, hosts: int, mode: str = "File") -> Path:
    job = root / f"job-{hosts}-{mode}.yaml"
    body = 'entrypoint: ["true"]\n' if mode == "File" else reading_all(root)
    job.write_text(f"base_job_name: staged-{hosts}\nimage_uri: {IMAGE}\ninstance_count: {hosts}\n" + body
                   + "inputs:\n  - source: s3://bench/data/\n    destination: /opt/ml/processing/input/data\n"
                   f"    input_name: data\n    s3_data_distribution_type: FullyReplicated\n    s3_input_mode: {mode}\n")
    return job


def disk_used(folder: Path) -> int:
    """Bytes of disk under `folder`, each inode once (a hard link is not another copy)."""
    seen: set[int] = set()
    used = 0
    for path in (folder, *folder.rglob("*")):
        info = path.lstat()
        if info.st_ino not in seen:
            seen.add(info.st_ino)
            used += info.st_blocks * 512
    return used


def run_job(job: Path, jobs_dir: Path, endpoint: str, disks: list[float] | None, phase: str = "stage") -> float:
    """The job's seconds in `phase`; its disk (MB) appended to `disks` if given; its folder removed."""
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir), "--endpoint-url", endpoint,
                    "--staging", "bind"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    [folder] = [p.parent for p in jobs_dir.glob("*/job.json")]
    seconds = float(json.loads((folder / "job.json").read_text())["timings"][phase])
    if disks is not None:
        disks.append(disk_used(folder) / 1e6)
    shutil.rmtree(folder)
    return seconds


def main(rounds: int = MIN_ROUNDS, megabytes: int = 2048, objects: int = 16) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-") as tmp, s3_server() as endpoint:
        root = Path(tmp)
        source = make_file(root / "object.bin", megabytes * 2**20 // objects)
        put_objects(client(endpoint), "bench", "data/", source, objects)
        source.unlink()
        disks: dict[int, list[float]] = {1: [], 8: []}
        measures = {f"{h}": functools.partial(run_job, job_file(root, h), root / "jobs", endpoint, disks[h])
                    for h in disks}
        measures |= {f"pipe-{h}": functools.partial(run_job, job_file(root, h, "Pipe"), root / "jobs", endpoint, None,
                                                    "run") for h in disks}
        times, disk = medians(interleaved(measures, rounds)), medians({str(h): d for h, d in disks.items()})
        size = f"{megabytes} MiB in {objects} objects"
        load = os.getloadavg()[0]
        return [
            report(f"staged once: staging, 8 hosts vs 1, FullyReplicated S3 input of {size}", times["8"], times["1"],
                   target=Target(1.3), note=f"load average {load:.1f}"),
            report(f"staged once: disk, 8 hosts vs 1, FullyReplicated S3 input of {size}", disk["8"], disk["1"],
                   unit="MB", target=Target(1.2)),
            report(f"fetched once: Pipe, running, 8 hosts vs 1, FullyReplicated S3 input of {size}", times["pipe-8"],
                   times["pipe-1"], note="each host reads its stream to the end"),
        ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--megabytes", type=int, default=2048)
    parser.add_argument("--objects", type=int, default=16)
    args = parser.parse_args()
    main(args.rounds, args.megabytes, args.objects)
