"""Pipe mode end to end through the local backend: real containers reading FIFOs the feeder fills.

pca_ecg gives the same bytes in Pipe and File mode (1 and 2 instances, sharded and replicated, local files
and S3, gzip); a script job checks the contract's details (manifest, empty shard, early close, epochs);
feeder faults fail the job with the object named, and nothing ever hangs the launcher.
"""

from __future__ import annotations

import gzip
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import numpy as np
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.jobfile import load_job_file
from launcher.local.options import Staging
from tests.jobs.conftest import write_ecg
from tests.jobs.reference_pca import reference_pca
from tests.launcher.conftest import BASE_IMAGE, job_folder, left_behind, run_local, touch_in_host

SKLEARN_IMAGE = "byoc/sklearn:latest"
ECG = "/opt/ml/processing/input/ecg"
DATA = "/opt/ml/processing/input/data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# A job that reports what it sees of a Pipe channel named `data`; the first argument says how it reads.
PIPE_SCRIPT = '''
import json, os, sys, time
from byoc_runtime import epochs, load_context, manifest_path, open_channel, run

def main(argv):
    how = argv[0]
    ctx = load_context()
    report = {"host": ctx.current_host, "listing": sorted(os.listdir(ctx.input_dir("data"))),
              "manifest": manifest_path(ctx, "data").read_text().splitlines()}
    if how == "fail-without-reading":
        sys.exit(3)
    if how == "after-release":
        while not (ctx.input_dir("control") / "release").exists():
            time.sleep(0.1)
    started = time.monotonic()
    if how == "one-line":
        with open_channel(ctx, "data") as stream:
            report["line"] = stream.readline().decode()
    elif how == "epochs":
        report["epochs"] = [len(stream.read()) for stream in epochs(ctx, "data")]
    else:
        with open_channel(ctx, "data") as stream:
            report["pipe_size"] = stream.raw.pipe_size
            report["bytes"] = len(stream.read())
    report["seconds"] = time.monotonic() - started
    (ctx.output_dir("out") / f"{ctx.current_host}.json").write_text(json.dumps(report))

run(main)
'''


@pytest.fixture(autouse=True)
def nothing_left_behind(jobs_dir: Path) -> Iterator[None]:
    """tests/launcher/conftest.py's check, kept to this test's own jobs (job names, not every kit container:
    other sessions share the engine and remove theirs meanwhile), and no feeder thread either."""
    yield
    names = sorted(p.name for p in jobs_dir.iterdir()) if jobs_dir.is_dir() else []
    client = docker.from_env()
    left = {name: found for name in names if (found := left_behind(client, name))}
    assert not left, f"left behind: {left}"
    assert not [t for t in threading.enumerate() if t.name.startswith("pipe-feeder-")], "a feeder thread is left"


def recordings(folder: Path, count: int, *, start: int = 0) -> dict[str, Path]:
    """ECG recordings sharing one header (the Pipe split rule), one in a subfolder."""
    names = [f"rec-{i}.csv" if i % 3 != 2 else f"sub/rec-{i}.csv" for i in range(start, start + count)]
    return {name: write_ecg(folder / name, seconds=4, seed=i + 1) for i, name in enumerate(names, start=start)}


def pca_job(source: str, out: Path, mode: str, *, instance_count: int = 1, distribution: str = "FullyReplicated",
            compression: str = "None") -> JobDefinition:
    return JobDefinition(
        image_uri=SKLEARN_IMAGE, arguments=("pca_ecg", "--n-components", "3"), instance_count=instance_count,
        inputs=(ProcessingInput(source, ECG, "ecg", s3_input_mode=mode, s3_data_distribution_type=distribution,
                                s3_compression_type=compression),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/pca", str(out), "pca"),),
    )


def script_job(tmp_path: Path, source: str, how: str, *, instance_count: int = 1, extra: tuple[ProcessingInput, ...]
               = (), **input_fields: Any) -> JobDefinition:
    script = tmp_path / "pipe_report.py"
    script.write_text(PIPE_SCRIPT)
    return JobDefinition(
        image_uri=BASE_IMAGE, code=str(script), command=("python3",), arguments=(how,), instance_count=instance_count,
        inputs=(ProcessingInput(source, DATA, "data", s3_input_mode="Pipe", **input_fields), *extra),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
    )


def reports(tmp_path: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("algo-*.json"))}


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_completed(record: JobStatus) -> None:
    assert record.status == "Completed", (record.failure_reason, record.exit_message)


# --- pca_ecg: the same outputs in both modes --------------------------------------------------------


def test_pca_ecg_writes_the_same_bytes_in_pipe_and_file_mode(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    data = recordings(tmp_path / "ecg", 4)

    file_mode = run_local(pca_job(str(tmp_path / "ecg"), tmp_path / "file", "File"), jobs_dir, staging=staging)
    pipe_mode = run_local(pca_job(str(tmp_path / "ecg"), tmp_path / "pipe", "Pipe"), jobs_dir, staging=staging)

    assert_completed(file_mode)
    assert_completed(pipe_mode)
    expected = {str(Path(name).with_name(f"pca_{Path(name).name}")) for name in data}
    assert set(outputs(tmp_path / "pipe")) == expected
    assert outputs(tmp_path / "pipe") == outputs(tmp_path / "file")
    log = (job_folder(pipe_mode) / "hosts/algo-1/log.txt").read_text()
    assert "pca_ecg: ecg/sub/rec-2.csv: 1000 rows x 4 leads -> pca/sub/pca_rec-2.csv" in log
    reference_pca(data["rec-0.csv"], tmp_path / "reference.csv", 3)
    assert np.array_equal(np.loadtxt(tmp_path / "pipe/pca_rec-0.csv", delimiter=","),
                          np.loadtxt(tmp_path / "reference.csv", delimiter=","))


@pytest.mark.parametrize(("distribution", "staging"), [  # FullyReplicated: both hosts read through the spool
    ("ShardedByS3Key", Staging.BIND), ("FullyReplicated", Staging.BIND), ("ShardedByS3Key", Staging.VOLUME),
    ("FullyReplicated", Staging.VOLUME)])
def test_two_instances_read_s3_in_pipe_mode_as_in_file_mode(tmp_path: Path, jobs_dir: Path, s3_endpoint: str,
                                                           s3_admin: Any, distribution: str, staging: Staging) -> None:
    data = recordings(tmp_path / "ecg", 5)
    s3_admin.create_bucket(Bucket="bkt")
    for name, path in data.items():
        s3_admin.put_object(Bucket="bkt", Key=f"ecg/{name}", Body=path.read_bytes())

    records = {mode: run_local(pca_job("s3://bkt/ecg/", tmp_path / mode, mode, instance_count=2,
                                       distribution=distribution), jobs_dir, endpoint_url=s3_endpoint,
                                 staging=staging)
               for mode in ("File", "Pipe")}

    for record in records.values():
        assert_completed(record)
    assert len(outputs(tmp_path / "Pipe")) == 5
    assert outputs(tmp_path / "Pipe") == outputs(tmp_path / "File")
    logs = [(job_folder(records["Pipe"]) / f"hosts/{h}/log.txt").read_text().count("pca_ecg: ecg/")
            for h in ("algo-1", "algo-2")]
    assert logs == ([3, 2] if distribution == "ShardedByS3Key" else [5, 5])


@pytest.mark.parametrize(("where", "staging"), [("s3", Staging.BIND), ("local", Staging.BIND), ("s3", Staging.VOLUME)])
def test_gzip_objects_are_gunzipped_on_the_way(tmp_path: Path, jobs_dir: Path, s3_endpoint: str, s3_admin: Any,
                                               where: str, staging: Staging) -> None:
    data = recordings(tmp_path / "ecg", 3)
    packed = {}
    for i, (name, path) in enumerate(data.items()):
        raw = path.read_bytes()
        packed[f"{name}.gz"] = gzip.compress(raw) if i != 1 else gzip.compress(raw[:999]) + gzip.compress(raw[999:])
    if where == "s3":
        s3_admin.create_bucket(Bucket="bkt")
        for name, body in packed.items():
            s3_admin.put_object(Bucket="bkt", Key=f"ecg/{name}", Body=body)
        source = "s3://bkt/ecg/"
    else:
        for name, body in packed.items():
            (tmp_path / "gz" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "gz" / name).write_bytes(body)
        source = str(tmp_path / "gz")

    file_mode = run_local(pca_job(str(tmp_path / "ecg"), tmp_path / "file", "File"), jobs_dir)
    pipe_mode = run_local(pca_job(source, tmp_path / "pipe", "Pipe", compression="Gzip"), jobs_dir,
                          endpoint_url=s3_endpoint, staging=staging)

    assert_completed(file_mode)
    assert_completed(pipe_mode)
    # Objects are named by their keys, `.gz` included: pca_rec-0.csv.gz holds what File mode's pca_rec-0.csv does.
    assert outputs(tmp_path / "pipe") == {f"{name}.gz": body for name, body in outputs(tmp_path / "file").items()}


def test_the_pipe_example_job_file_runs(tmp_path: Path, jobs_dir: Path) -> None:
    copy = tmp_path / "examples"
    copy.mkdir()
    shutil.copy(EXAMPLES / "pca-ecg-pipe.yaml", copy)
    data = recordings(copy / "data/ecg", 4)  # stands in for examples/data/generate.py

    record = run_local(load_job_file(copy / "pca-ecg-pipe.yaml"), jobs_dir)

    assert_completed(record)
    out = copy / "output/pca-ecg-pipe"
    assert sorted(outputs(out)) == sorted(str(Path(n).with_name(f"pca_{Path(n).name}")) for n in data)


# --- the contract's details, seen from a container --------------------------------------------------


def test_the_container_sees_the_manifest_and_fifo_and_an_empty_shard_reads_eof_at_once(tmp_path: Path,
                                                                                       jobs_dir: Path,
                                                                                       staging: Staging) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/only.csv").write_bytes(b"t,a\n" + b"1,2\n" * 300_000)
    job = script_job(tmp_path, str(tmp_path / "data"), "read", instance_count=2,
                     s3_data_distribution_type="ShardedByS3Key")

    record = run_local(job, jobs_dir, staging=staging)

    assert_completed(record)
    seen = reports(tmp_path)
    prefix = f"{tmp_path / 'data'}/"
    assert seen["algo-1"]["manifest"] == [prefix, f"{prefix}only.csv"]
    assert seen["algo-1"]["bytes"] == 4 + 4 * 300_000
    assert seen["algo-1"]["listing"] == ["data-manifest", "data_0"]
    assert seen["algo-1"]["pipe_size"] == min(int(Path("/proc/sys/fs/pipe-max-size").read_text()), 8 << 20)
    assert seen["algo-2"]["manifest"] == [prefix]
    assert seen["algo-2"]["bytes"] == 0 and seen["algo-2"]["seconds"] < 1


def test_a_reader_that_stops_after_one_line_completes_and_the_launcher_does_not_wait(tmp_path: Path,
                                                                                    jobs_dir: Path,
                                                                                    staging: Staging) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/big.csv").write_bytes(b"t,a\n" + b"1,2\n" * 10_000_000)  # 40 MB: the writer will block

    started = time.monotonic()
    record = run_local(script_job(tmp_path, str(tmp_path / "data"), "one-line"), jobs_dir, staging=staging)

    assert_completed(record)
    assert reports(tmp_path)["algo-1"]["line"] == "t,a\n"
    assert time.monotonic() - started < 30


def test_a_host_that_fails_before_opening_its_fifo_fails_the_job_without_hanging(tmp_path: Path,
                                                                                 jobs_dir: Path,
                                                                                 staging: Staging) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/a.csv").write_bytes(b"t,a\n1,2\n")

    started = time.monotonic()
    record = run_local(script_job(tmp_path, str(tmp_path / "data"), "fail-without-reading"), jobs_dir,
                       staging=staging)

    assert record.status == "Failed"
    assert record.failure_reason == "AlgorithmError: JobError: exited with 3, exit code: 3 (host algo-1)"
    assert time.monotonic() - started < 30


def test_pipe_epochs_offer_the_data_again_once_it_is_read(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    (tmp_path / "data").mkdir()
    for i in range(3):
        (tmp_path / f"data/{i}.csv").write_bytes(b"t,a\n" + b"1,2\n" * 100_000)

    record = run_local(script_job(tmp_path, str(tmp_path / "data"), "epochs"), jobs_dir, pipe_epochs=3,
                       staging=staging)

    assert_completed(record)
    assert reports(tmp_path)["algo-1"]["epochs"] == [3 * 400_004] * 3


# --- feeder faults: Failed, the object named --------------------------------------------------------


def test_a_corrupt_gzip_object_fails_the_job_naming_it(tmp_path: Path, jobs_dir: Path, s3_endpoint: str,
                                                       s3_admin: Any, staging: Staging) -> None:
    data = recordings(tmp_path / "ecg", 1)
    s3_admin.create_bucket(Bucket="bkt")
    s3_admin.put_object(Bucket="bkt", Key="ecg/a.csv.gz", Body=gzip.compress(data["rec-0.csv"].read_bytes()))
    s3_admin.put_object(Bucket="bkt", Key="ecg/b.csv.gz", Body=b"this is not gzip")

    started = time.monotonic()
    record = run_local(pca_job("s3://bkt/ecg/", tmp_path / "pipe", "Pipe", compression="Gzip"), jobs_dir,
                       endpoint_url=s3_endpoint, staging=staging)

    assert record.status == "Failed"
    assert record.failure_reason == ("ClientError: Failed to stream data. Pipe input 'ecg' on algo-1: "
                                     "s3://bkt/ecg/b.csv.gz is not a valid gzip stream (Error -3 while decompressing "
                                     "data: incorrect header check)")
    assert record.hosts[0].exit_code in (143, 137), "the job was stopped, not left to finish on a cut stream"
    assert time.monotonic() - started < 60
    assert not (tmp_path / "pipe").exists(), "a failed job uploads nothing"


@pytest.mark.parametrize(("where", "staging"), [
    ("local", Staging.BIND), ("s3", Staging.BIND), ("local", Staging.VOLUME)])
def test_an_object_that_vanishes_after_planning_fails_the_job_naming_it(tmp_path: Path, jobs_dir: Path,
                                                                        s3_endpoint: str, s3_admin: Any,
                                                                        where: str, staging: Staging) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "control").mkdir()
    (tmp_path / "control/README").write_text("the test drops `release` into the host's copy of this channel\n")
    objects = {"a.csv": b"t,a\n1,2\n", "b.csv": b"t,a\n3,4\n"}
    if where == "s3":
        s3_admin.create_bucket(Bucket="bkt")
        for name, body in objects.items():
            s3_admin.put_object(Bucket="bkt", Key=f"data/{name}", Body=body)
        source, vanished = "s3://bkt/data/", "GetObject failed for s3://bkt/data/b.csv: NoSuchKey: The specified key " \
                                             "does not exist.. Hint: the object does not exist"
    else:
        for name, body in objects.items():
            (tmp_path / "data" / name).write_bytes(body)
        source, vanished = str(tmp_path / "data"), f"opening {tmp_path}/data/b.csv failed: No such file or directory"
    control = ProcessingInput(str(tmp_path / "control"), "/opt/ml/processing/input/control", "control")
    job = script_job(tmp_path, source, "after-release", extra=(control,))
    result: list[JobStatus] = []
    runner = threading.Thread(target=lambda: result.append(run_local(job, jobs_dir, endpoint_url=s3_endpoint,
                                                                     staging=staging)))
    runner.start()
    host = wait_for_manifest(jobs_dir)
    if where == "s3":
        s3_admin.delete_object(Bucket="bkt", Key="data/b.csv")
    else:
        (tmp_path / "data/b.csv").unlink()
    touch_in_host(jobs_dir, host.parents[2].name, "algo-1", "/opt/ml/processing/input/control/release", staging)
    runner.join(90)

    assert result, "the launcher did not return"
    record = result[0]
    assert record.status == "Failed"
    assert record.failure_reason == f"ClientError: Failed to stream data. Pipe input 'data' on algo-1: {vanished}"
    assert record.hosts[0].exit_code == 143, "blocked on the FIFO, the job got SIGTERM"


def wait_for_manifest(jobs_dir: Path, timeout: float = 60) -> Path:
    """algo-1's /opt/ml folder once the feeder has written its manifest (planning is over)."""
    deadline = time.monotonic() + timeout
    while True:
        found = list(jobs_dir.glob("*/hosts/algo-1/ml/processing/input/data/data-manifest"))
        if found:
            return found[0].parents[3]
        assert time.monotonic() < deadline, "the job never got to its manifest"
        time.sleep(0.1)
