"""Big inputs: the launcher's peak memory and its throughput from S3, File and Pipe mode, against boto3's
transfer manager downloading the same objects to disk in the same run.

    python -m bench.big_inputs [--rounds 3] [--megabytes 2048] [--objects 256]

Two inputs of `--megabytes` each (10240 for the 10 GiB the target speaks of; 2048 by default, which a
2-core machine moves through moto in minutes) in a moto S3 server (a process of its own): `--objects`
objects, and one single object. For each, per round and interleaved:
- baseline: boto3's transfer manager (default TransferConfig) lists the prefix and downloads every
  object to disk, all in flight; the listing is timed as the staging phase times the launcher's own;
- File: a 1-host job that does nothing with the input staged (`true`): bytes / the host's staging phase
  (the prefix listed, every object downloaded);
- Pipe: a 1-host job reading its Pipe input to the end: bytes / the host's running phase (which also
  holds the container's start).
Each job runs in a process of its own (the launcher: CLI side and supervisor as one, Supervision.THREAD),
which reports its peak RSS. Targets: throughput at least 0.8x the transfer manager's; peak RSS under
300 MB (printed against that budget).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.s3_server import client, make_file, put_objects, s3_server
from bench.staging import reading_all  # the same Pipe reader as the staging bench
from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, report

IMAGE = "byoc/base:latest"
RSS_BUDGET_MB = 300.0


def job_file(root: Path, prefix: str, mode: str) -> Path:
    job = root / f"job-{prefix}-{mode}.yaml"
    body = 'entrypoint: ["true"]\n' if mode == "File" else reading_all(root)
    job.write_text(f"base_job_name: big-{mode.lower()}\nimage_uri: {IMAGE}\ninstance_count: 1\n" + body
                   + f"inputs:\n  - source: s3://bench/{prefix}/\n    destination: /opt/ml/processing/input/data\n"
                   f"    input_name: data\n    s3_input_mode: {mode}\n")
    return job


def run_launcher(job: Path, jobs_dir: Path, endpoint: str) -> dict[str, float]:
    """In this process (run as a child of the bench): the job to its end; its phase seconds and our peak RSS."""
    from launcher.jobfile import load_job_file
    from launcher.local.backend import LocalBackend
    from launcher.local.options import LocalOptions, Staging

    backend = LocalBackend(LocalOptions(jobs_dir=jobs_dir, endpoint_url=endpoint, staging=Staging.BIND))
    status = backend.wait(backend.submit(load_job_file(job)))
    if status.status != "Completed":
        raise SystemExit(f"the job did not complete: {status.failure_reason}")
    [host] = status.hosts
    phases = {name: (end - start).total_seconds() for name, (start, end) in host.phases.items()}
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"staging": phases["staging"], "running": phases["running"], "rss_mb": rss_mb}


def launcher_run(job: Path, jobs_dir: Path, endpoint: str, mode: str, rss: list[float]) -> float:
    """Seconds the data took through the launcher (see the module docstring); its peak RSS appended to `rss`."""
    done = subprocess.run([sys.executable, "-m", "bench.big_inputs", "--launcher", str(job), str(jobs_dir), endpoint],
                          check=True, capture_output=True, text=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    rss.append(found["rss_mb"])
    for folder in [p.parent for p in jobs_dir.glob("*/job.json")]:
        shutil.rmtree(folder)
    return float(found["staging" if mode == "File" else "running"])


def transfer_manager(endpoint: str, prefix: str, target: Path) -> float:
    """Seconds for boto3's transfer manager to list `prefix` and download every object under it to `target`."""
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    s3 = client(endpoint)
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench", Prefix=f"{prefix}/")
            for o in page.get("Contents", [])]
    with create_transfer_manager(s3, TransferConfig()) as manager:
        futures = [manager.download("bench", key, str(target / key.replace("/", "_"))) for key in keys]
        for future in futures:
            future.result()
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return seconds


def main(rounds: int = MIN_ROUNDS, megabytes: int = 2048, objects: int = 256) -> list[Result]:
    results = []
    size = megabytes * 2**20
    with tempfile.TemporaryDirectory(prefix="byoc-bench-") as tmp, s3_server() as endpoint:
        root = Path(tmp)
        s3 = client(endpoint)
        part = make_file(root / "part.bin", size // objects)
        put_objects(s3, "bench", "many/", part, objects)
        part.unlink()
        whole = make_file(root / "whole.bin", size)
        s3.upload_file(str(whole), "bench", "single/whole.bin")
        whole.unlink()
        for prefix, what in (("many", f"{objects} objects"), ("single", "one object")):
            rss: dict[str, list[float]] = {"File": [], "Pipe": []}
            measures: dict[str, Any] = {"baseline": functools.partial(transfer_manager, endpoint, prefix,
                                                                      root / "download")}
            for mode in rss:
                measures[mode] = functools.partial(launcher_run, job_file(root, prefix, mode), root / "jobs",
                                                   endpoint, mode, rss[mode])
            times = medians(interleaved(measures, rounds))
            load = os.getloadavg()[0]
            for mode in rss:
                results.append(report(
                    f"big input, {mode} mode, {megabytes} MiB in {what}: throughput vs boto3 transfer manager",
                    megabytes / times[mode], megabytes / times["baseline"], unit="MiB/s", target=Target(0.8, True),
                    note=f"load average {load:.1f}"))
                results.append(report(f"big input, {mode} mode, {megabytes} MiB in {what}: launcher peak RSS",
                                      max(rss[mode]), RSS_BUDGET_MB, unit="MB", target=Target(1.0),
                                      note="baseline = the 300 MB budget"))
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--launcher"]:
        job, jobs_dir, endpoint = sys.argv[2:5]
        print(json.dumps(run_launcher(Path(job), Path(jobs_dir), endpoint)), flush=True)
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--megabytes", type=int, default=2048)
    parser.add_argument("--objects", type=int, default=256)
    args = parser.parse_args()
    main(args.rounds, args.megabytes, args.objects)
