"""Volume staging against bind mounts: the same 2-host jobs, end to end through `byoc run`, on the local engine.

    python -m bench.staging [--rounds 3] [--megabytes 64]

File: the `inventory` job (it hashes every file it gets) over a replicated input of `--megabytes`, so
each host's copy goes in through the engine's API with volumes and is written to the job folder with
bind mounts. Pipe: a script job reading a sharded Pipe input of the same size to its end. No target:
volumes pay for the copies through the engine; this says how much.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import MIN_ROUNDS, Result, compare, report

IMAGE = "byoc/base:latest"
BYOC = str(Path(sys.executable).parent / "byoc")
READ_ALL = '''
from byoc_runtime import load_context, open_channel, run

def main(argv):
    with open_channel(load_context(), "data") as stream:
        while stream.read(1 << 20):
            pass

run(main)
'''


def reading_all(root: Path) -> str:
    """Job-file lines for a job whose one host reads its channel `data` to the end (READ_ALL, written
    under `root`), whatever its mode."""
    (root / "read_all.py").write_text(READ_ALL)
    return f"code: {root / 'read_all.py'}\ncommand: [python3]\n"


def make_data(root: Path, megabytes: int, files: int = 8) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    line = b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    lines = megabytes * 2**20 // files // len(line)
    for i in range(files):
        (data / f"part-{i}.csv").write_bytes(b"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o\n" + line * lines)
    return data


def job_file(root: Path, data: Path, mode: str) -> Path:
    job = root / f"job-{mode}.yaml"
    head = f"base_job_name: bench-{mode.lower()}\nimage_uri: {IMAGE}\ninstance_count: 2\n"
    if mode == "File":
        body = 'arguments: ["inventory", "--output", "out"]\n'
        extra = ""
    else:
        body = reading_all(root)
        extra = "    s3_input_mode: Pipe\n    s3_data_distribution_type: ShardedByS3Key\n"
    job.write_text(
        head + body
        + f"inputs:\n  - source: {data}\n    destination: /opt/ml/processing/input/data\n    input_name: data\n{extra}"
        + "outputs:\n  - source: /opt/ml/processing/output/out\n"
        + f"    destination: {root / 'out'}\n    output_name: out\n")
    return job


def run_byoc(job: Path, jobs_dir: Path, staging: str) -> None:
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir), "--staging", staging], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(rounds: int = MIN_ROUNDS, megabytes: int = 64) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="byoc-bench-") as tmp:
        root = Path(tmp)
        data = make_data(root, megabytes)
        for mode in ("File", "Pipe"):
            job = job_file(root, data, mode)
            ours, base = compare(functools.partial(run_byoc, job, root / "jobs", "volume"),
                                 functools.partial(run_byoc, job, root / "jobs", "bind"), rounds)
            results.append(report(f"volume staging vs bind mounts, 2 hosts, {mode} input of {megabytes} MiB", ours,
                                  base, note="what the copies through the engine's API cost"))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args()
    main(args.rounds, args.megabytes)
