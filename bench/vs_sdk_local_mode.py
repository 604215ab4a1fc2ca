"""The same PCA job through `byoc run`, SageMaker SDK v2 local mode and plain `docker run`, side by side.

    python -m bench.vs_sdk_local_mode [--files 8] [--seconds 1000] [--rounds 3]

The sklearn image's pca_ecg job on generated ECG recordings, with 1 and with 2 instances, its input
ShardedByS3Key. Each comparison (byoc run and docker run; SDK local mode and docker run; SDK local mode and
byoc run) is timed in rounds of its own, in an order reversed every other round, each run a fresh process
(what a user waits for, interpreter start-up and imports included):

    docker run   one `docker run --rm` per host, started at once, each with its share of the files
                 bind-mounted (shares prepared before the clock starts): the floor
    byoc run     `byoc run job.yaml` (bind staging), warm (one untimed run first, as a user's second run)
    SDK local    SDK v2 local mode (`instance_type="local"`, docker compose) through its local client
                 with file:// input and output (bench/sdk_local_mode_job.py), in a venv of its own that
                 this bench makes once under build/ from tests/serve/clients/sdk-v2.lock. Local mode
                 refuses ShardedByS3Key ("not currently supported in Local Mode": the bench asks once,
                 untimed, and prints the answer), so its input is FullyReplicated: each host reads
                 every file, and docker compose (`--abort-on-container-exit`) stops the others once one
                 host exits (printed: files read per host, from the hosts' lines, and exit codes).

The outputs of all three must match the 1-instance `docker run`'s to 1e-9.
Targets: byoc run <= 1.1x docker run; SDK local mode / byoc run >= 1.5 (byoc run at least 1.5x faster).
Needs docker compose: the v2 plugin, or `docker-compose` (Debian: `apt-get install docker-compose`).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.local_backend import BYOC, DOCKER
from bench.pca_job import OutputMismatch, max_difference
from bench.timing import MIN_ROUNDS, Result, Target, median_times, report
from examples.data.generate import write_ecg

REPO = Path(__file__).resolve().parents[1]
IMAGE = "byoc/sklearn:latest"
ENTRYPOINT = ("python3", "-m", "byoc_runtime")  # the image's own
ARGUMENTS = ("pca_ecg", "--n-components", "4")
SDK_VENV = REPO / "build" / "sdk-local-mode"
SDK_LOCK = REPO / "tests" / "serve" / "clients" / "sdk-v2.lock"
SDK_JOB = Path(__file__).with_name("sdk_local_mode_job.py")
INPUT = "/opt/ml/processing/input/ecg"
OUTPUT = "/opt/ml/processing/output/pca"
BYOC_TARGET = Target(1.1)
SDK_TARGET = Target(1.5, at_least=True)
READ_LINE = re.compile(r"^(\S+)\s+\|\s+pca_ecg: ecg/")  # docker compose's `<service> | <line>`
LOCAL_MODE_NETWORK = "sagemaker-local"
COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def sdk_python() -> Path:
    """The SDK v2 venv's interpreter; the venv is made (pinned by SDK_LOCK) the first time."""
    python = SDK_VENV / "bin" / "python"
    marker = SDK_VENV / ".installed"
    if not marker.is_file() or marker.read_text() != SDK_LOCK.read_text():
        print(f"setting up SageMaker SDK v2 in {SDK_VENV} (once)", flush=True)
        shutil.rmtree(SDK_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(SDK_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(SDK_LOCK)], check=True)
        marker.write_text(SDK_LOCK.read_text())
    return python


def check_compose() -> None:
    """SDK local mode runs `docker compose` (v2) or `docker-compose`; without either it cannot run at all."""
    plugin = subprocess.run([DOCKER, "compose", "version"], capture_output=True, text=True)
    if plugin.returncode == 0 and "v2" in plugin.stdout:
        return
    if shutil.which("docker-compose") is None:
        raise SystemExit("SDK local mode needs docker compose: install the compose plugin, or docker-compose "
                         "(Debian: apt-get install docker-compose)")


def shares(data: Path, root: Path, count: int) -> list[Path]:
    """Each host's ShardedByS3Key share (key order, round-robin), hard-linked into a folder of its own."""
    folders = [root / f"share-{count}-{i}" for i in range(count)]
    for folder in folders:
        folder.mkdir(parents=True)
    for i, file in enumerate(sorted(data.iterdir())):
        os.link(file, folders[i % count] / file.name)
    return folders


def run_docker(folders: list[Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen([DOCKER, "run", "--rm", "-v", f"{folder}:{INPUT}", "-v", f"{out}:{OUTPUT}", IMAGE,
                               *ARGUMENTS], stdout=subprocess.DEVNULL) for folder in folders]
    if any(proc.wait() != 0 for proc in procs):
        raise RuntimeError("a plain docker run failed")


def job_file(root: Path, data: Path, out: Path, count: int) -> Path:
    job = root / f"job-{count}.yaml"
    job.write_text(
        f"base_job_name: bench-pca-{count}\nimage_uri: {IMAGE}\ninstance_count: {count}\n"
        f"arguments: [{', '.join(f'{a!r}' for a in ARGUMENTS)}]\n"
        f"inputs:\n  - source: {data}\n    destination: {INPUT}\n    input_name: ecg\n"
        "    s3_data_distribution_type: ShardedByS3Key\n"
        f"outputs:\n  - source: {OUTPUT}\n    destination: {out}\n    output_name: pca\n")
    return job


def run_byoc(job: Path, jobs_dir: Path) -> None:
    subprocess.run([BYOC, "run", str(job), "--quiet", "--jobs-dir", str(jobs_dir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class SdkRuns:
    """Runs the SDK job, each with a fresh job name; keeps what the hosts printed in the last run."""

    def __init__(self, python: Path, data: Path, out: Path, count: int) -> None:
        self.python, self.data, self.out, self.count = python, data, out, count
        self.runs = 0
        self.printed = ""
        self.exit_codes: dict[str, str] = {}  # host container -> its exit code, in the last run

    def __call__(self) -> None:
        before = compose_containers()
        done = self.run("FullyReplicated")
        left = compose_containers() - before  # local mode leaves its exited containers behind
        if left:
            states = subprocess.run([DOCKER, "inspect", "-f", "{{.Name}} {{.State.ExitCode}}", *sorted(left)],
                                    check=True, capture_output=True, text=True).stdout.split("\n")
            self.exit_codes = dict(line.strip("/").split() for line in states if line.strip())
            subprocess.run([DOCKER, "rm", "-f", *sorted(left)], check=True, stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SystemExit(f"SDK local mode failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        self.printed = done.stdout + done.stderr

    def run(self, distribution: str) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        return subprocess.run(
            [str(self.python), str(SDK_JOB), IMAGE, str(self.count), distribution, str(self.data), str(self.out),
             f"bench-sdk-{self.count}-{os.getpid()}-{self.runs}", *ENTRYPOINT, *ARGUMENTS],
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAGEMAKER_SUPPRESS_V2_WARNING": "1"},
            capture_output=True, text=True)

    def sharded_answer(self) -> str:
        """What local mode says when asked for ShardedByS3Key (its error), or that it ran it."""
        done = self.run("ShardedByS3Key")
        if done.returncode == 0:
            return "ran it"
        printed = " ".join(COLOURS.sub("", done.stdout + done.stderr).split())  # rich wraps the error's lines
        error = re.search(r"\w+Error: .*?Local Mode", printed)
        return f"refused ({error.group(0) if error else f'exit code {done.returncode}'})"

    def files_read(self) -> dict[str, int]:
        """Per host (compose's service name), how many files it read in the last run."""
        lines = COLOURS.sub("", self.printed).splitlines()
        return dict(Counter(m.group(1) for line in lines if (m := READ_LINE.match(line))))


def compared(out: Path, reference: Path) -> float | str:
    """The largest |difference| from the reference, or what makes the output another shape. SDK local mode's hosts
    of a FullyReplicated job all write the same names into one destination at once: a file may be cut short."""
    try:
        return max_difference(out, reference)
    except OutputMismatch as mismatch:
        return f"output differs in shape ({mismatch})"


def compose_containers() -> set[str]:
    """IDs of the containers docker compose made from the job's image (SDK local mode's hosts)."""
    listed = subprocess.run([DOCKER, "ps", "-aq", "--filter", "label=com.docker.compose.service",
                             "--filter", f"ancestor={IMAGE}"], check=True, capture_output=True, text=True)
    return set(listed.stdout.split())


def has_local_mode_network() -> bool:
    listed = subprocess.run([DOCKER, "network", "ls", "-q", "--filter", f"name=^{LOCAL_MODE_NETWORK}$"], check=True,
                            capture_output=True, text=True)
    return bool(listed.stdout.strip())


def main(files: int = 8, seconds: float = 1000, rounds: int = MIN_ROUNDS) -> list[Result]:
    check_compose()
    python = sdk_python()
    had = has_local_mode_network()
    try:
        return _compare(python, files, seconds, rounds)
    finally:  # local mode makes a network of its own and leaves it
        if not had:
            subprocess.run([DOCKER, "network", "rm", LOCAL_MODE_NETWORK], check=False, capture_output=True)


def _compare(python: Path, files: int, seconds: float, rounds: int) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="byoc-bench-sdk-") as tmp:
        root = Path(tmp)
        data = root / "data"
        write_ecg(data, files, seed=7, seconds=seconds)
        reference = root / "reference"
        run_docker([data], reference)  # 1 host, everything: what every other output must equal
        for count in (1, 2):
            outs = {side: root / f"out-{side}-{count}" for side in ("docker", "byoc", "sdk")}
            folders = shares(data, root / "shares", count)
            job = job_file(root, data, outs["byoc"], count)
            sdk = SdkRuns(python, data, outs["sdk"], count)
            run_byoc(job, root / "jobs")  # untimed: the timed runs start warm, as a user's second run does
            docker = functools.partial(run_docker, folders, outs["docker"])
            byoc = functools.partial(run_byoc, job, root / "jobs")
            # Each pair interleaved on its own: an SDK run leaves the machine busy (compose, its containers going)
            # for whichever run comes next, and must not come before only one of the two it is compared with.
            found = median_times({"docker": docker, "byoc": byoc}, rounds)
            peer = median_times({"docker": docker, "sdk": sdk}, rounds)
            against_byoc = median_times({"byoc": byoc, "sdk": sdk}, rounds)
            differences = {side: compared(out, reference) for side, out in outs.items()}
            read = sdk.files_read()
            print(f"{count} instance(s): max |difference| from one docker run: "
                  + ", ".join(f"{side} {value:.1e}" if isinstance(value, float) else f"{side}: {value}"
                              for side, value in differences.items())
                  + f"; SDK local mode (FullyReplicated): files read per host {read or 'none printed'} "
                  f"of {files}, the hosts' exit codes {sdk.exit_codes}", flush=True)
            ours = {side: differences[side] for side in ("docker", "byoc")}
            if any(not isinstance(value, float) or value > 1e-9 for value in ours.values()):
                raise SystemExit(f"outputs differ from the reference: {ours}")
            if count > 1:
                print(f"SDK local mode asked for ShardedByS3Key with {count} hosts: {sdk.sharded_answer()}", flush=True)
            work = (f"{len(read)} of its {count} hosts read {sum(read.values())} files for {files}; exit codes "
                    + ", ".join(sorted(sdk.exit_codes.values())))
            results += [
                report(f"byoc run vs docker run, pca_ecg, {count} instance(s)", found["byoc"], found["docker"],
                       target=BYOC_TARGET),
                report(f"SDK v2 local mode vs docker run, pca_ecg, {count} instance(s)", peer["sdk"],
                       peer["docker"], note=work),
                report(f"SDK v2 local mode vs byoc run, pca_ecg, {count} instance(s)", against_byoc["sdk"],
                       against_byoc["byoc"], target=SDK_TARGET, note="ratio = how many times faster byoc run is"),
            ]
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    arguments = parser.parse_args()
    main(arguments.files, arguments.seconds, arguments.rounds)
