"""What `byoc` prints and exits with is true: job text is never markup, every exit code is the documented one,
an upload cut short says so, a bad destination fails before anything runs, and a job outlives its terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.local import record as records
from launcher.local.cluster import LABEL_JOB
from tests.launcher.conftest import SCRIPTS, byoc

MESSAGE = "KeyError: column [/] not found in [bold]prices[/bold]; the keys are in the [columns]"


def job_file(tmp_path: Path, name: str, *args: str, instance_count: int = 1, image: str = "byoc/base:latest",
             destination: str = "./out") -> Path:
    job = tmp_path / f"{name}.yaml"
    job.write_text(
        f"job_name: {name}\nimage_uri: {image}\ninstance_count: {instance_count}\n"
        f"code: {SCRIPTS / 'behave.py'}\ncommand: [python3]\narguments: {json.dumps(list(args))}\n"
        f"outputs:\n  - source: /opt/ml/processing/output/out\n    destination: {destination}\n"
        "    output_name: out\n"
    )
    return job


def jobs(tmp_path: Path) -> str:
    return str(tmp_path / "jobs")


def containers_of(job: str) -> Any:
    return docker.from_env().containers.list(all=True, filters={"label": f"{LABEL_JOB}={job}"})


def test_a_message_with_square_brackets_is_shown_byte_for_byte(tmp_path: Path) -> None:
    job = job_file(tmp_path, "brackets", "--fail-on", "algo-1", "--message", MESSAGE, "--write", "out")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    reason = next(line for line in result.stdout.splitlines() if line.startswith("reason"))
    assert MESSAGE in reason and reason.endswith("exit code: 4 (host algo-1)")  # the runtime's InputError: 4
    message = next(line for line in result.stdout.splitlines() if line.startswith("message"))
    assert message.startswith("message    [algo-1] InputError: ") and MESSAGE in message
    described = byoc("describe", "brackets", "--jobs-dir", jobs(tmp_path))
    assert described.returncode == 0, described.stderr
    assert reason in described.stdout.splitlines() and message in described.stdout.splitlines()
    logs = byoc("logs", "brackets", "--jobs-dir", jobs(tmp_path))
    assert MESSAGE in logs.stdout


def test_no_engine_exits_3_and_creates_no_job(tmp_path: Path) -> None:
    job = job_file(tmp_path, "no-engine", "--write", "out")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path), env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: no Docker engine answers")
    assert not (tmp_path / "jobs").exists()


def test_a_missing_image_fails_the_job_naming_it_and_exits_3(tmp_path: Path) -> None:
    job = job_file(tmp_path, "no-image", "--write", "out", image="byoc/nothing-here:1")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path))
    assert result.returncode == 3, result.stderr
    assert ("reason     ClientError: image_uri 'byoc/nothing-here:1' is not in the local Docker engine"
            in result.stdout)
    assert records.load(tmp_path / "jobs/no-image/job.json").status == "Failed"


def test_a_destination_that_is_a_file_fails_before_any_container_starts(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder\n")
    job = job_file(tmp_path, "dest-file", "--write", "out", destination="./taken")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"reason     ClientError: destination '{tmp_path}/taken' is a file" in result.stdout
    record = records.load(tmp_path / "jobs/dest-file/job.json")
    assert [h.exit_code for h in record.hosts] == [None], "no host may have run"
    assert (tmp_path / "taken").read_text() == "not a folder\n"


def test_an_s3_destination_in_a_missing_bucket_fails_before_any_container_starts(
        tmp_path: Path, s3_endpoint: str) -> None:
    job = job_file(tmp_path, "no-bucket", "--write", "out", destination="s3://no-such-bucket/out/")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path), "--endpoint-url", s3_endpoint)
    assert result.returncode == 2, result.stderr
    assert "bucket 'no-such-bucket', which does not exist" in result.stdout
    assert [h.exit_code for h in records.load(tmp_path / "jobs/no-bucket/job.json").hosts] == [None]


def test_an_upload_cut_short_says_exactly_what_reached_the_destination(tmp_path: Path) -> None:
    (tmp_path / "out" / "f0061.txt").mkdir(parents=True)  # the 63rd object cannot be written
    job = job_file(tmp_path, "cut", "--write", "out", "--files", "100")
    result = byoc("run", str(job), "--jobs-dir", jobs(tmp_path), "--quiet")
    assert result.returncode == 1, result.stderr
    assert "reason     ClientError: uploading outputs failed: writing" in result.stdout
    assert ("output     out -> " + str(tmp_path / "out") + ": 62 of 101 objects uploaded before the failure: "
            "the destination is incomplete") in result.stdout
    assert len([p for p in (tmp_path / "out").iterdir() if p.is_file()]) == 62
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".partial")]


def start_run(tmp_path: Path, name: str, sleep: int = 60) -> subprocess.Popen[str]:
    job = job_file(tmp_path, name, "--sleep-on", f"algo-1={sleep}", "--write", "out")
    command = [str(Path(sys.executable).parent / "byoc"), "run", str(job), "--jobs-dir", jobs(tmp_path),
               "--stop-grace-seconds", "5"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ), start_new_session=True)


def wait_until_sleeping(tmp_path: Path, name: str) -> None:
    log = tmp_path / "jobs" / name / "hosts" / "algo-1" / "log.txt"
    deadline = time.monotonic() + 60
    while not (log.exists() and "sleeping" in log.read_text()):
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.1)


def wait_for_end(tmp_path: Path, name: str, seconds: float = 60) -> records.JobRecord:
    deadline = time.monotonic() + seconds
    while not (record := records.load(tmp_path / "jobs" / name / "job.json")).is_terminal:
        assert time.monotonic() < deadline, f"{name} did not end: {record.status}"
        time.sleep(0.1)
    return record


@pytest.mark.parametrize(("signum", "code", "reason"), [
    (signal.SIGTERM, 143, "Stopped: the launcher was terminated (SIGTERM)"),
    (signal.SIGHUP, 129, "Stopped: the launcher's terminal went away (SIGHUP)"),
])
def test_a_signal_to_byoc_stops_the_job_and_records_which(tmp_path: Path, signum: int, code: int,
                                                          reason: str) -> None:
    name = f"signal-{signum}"
    proc = start_run(tmp_path, name)
    wait_until_sleeping(tmp_path, name)
    proc.send_signal(signum)
    proc.communicate(timeout=60)
    assert proc.returncode == code
    record = wait_for_end(tmp_path, name)
    assert (record.status, record.failure_reason) == ("Stopped", reason)
    assert not containers_of(name), "the stopped job left containers behind"


def test_kill_9_of_byoc_leaves_the_job_supervised_to_its_end(tmp_path: Path) -> None:
    name = "orphaned"
    proc = start_run(tmp_path, name, sleep=3)
    wait_until_sleeping(tmp_path, name)
    proc.kill()
    proc.communicate(timeout=10)
    record = wait_for_end(tmp_path, name)
    assert record.status == "Completed", record.failure_reason
    assert (tmp_path / "out" / "algo-1.json").is_file(), "its output was uploaded"
    assert not containers_of(name)
    listed = byoc("list", "--jobs-dir", jobs(tmp_path))
    assert "Completed" in listed.stdout and "InProgress" not in listed.stdout


def test_a_job_whose_supervisor_died_is_reconciled_to_failed_and_cleaned_up(tmp_path: Path) -> None:
    name = "reconciled"
    proc = start_run(tmp_path, name)
    wait_until_sleeping(tmp_path, name)
    supervisor = records.load(tmp_path / "jobs" / name / "job.json").supervisor_pid
    assert supervisor is not None and supervisor != proc.pid
    os.kill(supervisor, signal.SIGKILL)
    proc.kill()
    proc.communicate(timeout=10)
    assert containers_of(name), "the job's container runs on without its supervisor"
    described = byoc("describe", name, "--jobs-dir", jobs(tmp_path))
    assert described.returncode == 0
    assert "status     Failed" in described.stdout
    assert f"InternalServerError: the job's supervisor (pid {supervisor}) ended before the job did" in described.stdout
    assert not containers_of(name)
