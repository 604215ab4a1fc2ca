"""`byoc` as a user runs it: bad job files, run/describe/logs/list, stop from another terminal, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from launcher.local import record as records
from tests.launcher.conftest import SCRIPTS, byoc

GOOD_HEAD = "image_uri: byoc/base:latest\n"

BAD_JOB_FILES = [
    (GOOD_HEAD + "instance_count: 0\n", "job.yaml:2: instance_count: 0 is out of range: the service allows 1 to 100"),
    (GOOD_HEAD + "instance_count: 101\n",
     "job.yaml:2: instance_count: 101 is out of range: the service allows 1 to 100"),
    (GOOD_HEAD + "image: x\n", "job.yaml:2: image: unknown field; did you mean 'image_uri'?"),
    ("image_uri: [\n", "job.yaml:2: invalid YAML: while parsing a flow node, expected the node content, but found "
                       "'<stream end>'"),
    (GOOD_HEAD + "job_name: bad_name!\n",
     "job.yaml:2: job_name: 'bad_name!' is not a valid job name: use letters, digits and hyphens"),
    (GOOD_HEAD + "inputs:\n  - source: ./data\n    destination: /tmp/data\n    input_name: data\n",
     "job.yaml:4: inputs[0].destination: '/tmp/data' must be an absolute path under /opt/ml/processing/"),
    (GOOD_HEAD + "inputs:\n  - source: ./data\n    destination: /opt/ml/processing/input/d\n    input_name: d\n"
                 "    s3_input_mode: FastFile\n", "job.yaml:6: inputs[0].s3_input_mode:"),
    (GOOD_HEAD + "inputs:\n  - source: ./data\n    destination: /opt/ml/processing/input/d\n    input_name: d\n"
                 "    s3_compression_type: Gzip\n", "job.yaml:6: inputs[0].s3_compression_type:"),
    (GOOD_HEAD + "env:\n  RETRIES: 3\n", "job.yaml:3: env.RETRIES:"),
    (GOOD_HEAD + "env:\n  1BAD: x\n", "job.yaml:3: env.1BAD:"),
    (GOOD_HEAD + "max_runtime_in_seconds: 777601\n", "job.yaml:2: max_runtime_in_seconds: 777601 is out of range"),
    (GOOD_HEAD + "outputs:\n  - source: /opt/ml/processing/output/a\n    destination: ./a\n    output_name: a\n"
                 "    s3_upload_mode: Sometimes\n", "job.yaml:6: outputs[0].s3_upload_mode:"),
    (GOOD_HEAD + "code: ./job.py\n", "job.yaml:2: code:"),
    (GOOD_HEAD + "arguments: pca\n", "job.yaml:2: arguments:"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_JOB_FILES, ids=[str(i) for i in range(len(BAD_JOB_FILES))])
def test_bad_job_file_prints_the_line_and_field_and_exits_2(tmp_path: Path, text: str, expected: str) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(text)
    result = byoc("run", str(job), "--jobs-dir", str(tmp_path / "jobs"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {tmp_path}/{expected}"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "jobs").exists(), "a rejected job file must not create a job"


def test_missing_job_file_names_it(tmp_path: Path) -> None:
    result = byoc("run", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path}/nope.yaml: cannot be read: No such file or directory"


def write_job(tmp_path: Path, name: str, *args: str, instance_count: int = 2) -> Path:
    job = tmp_path / "job.yaml"
    job.write_text(
        f"job_name: {name}\nimage_uri: byoc/base:latest\ninstance_count: {instance_count}\n"
        f"code: {SCRIPTS / 'behave.py'}\ncommand: [python3]\narguments: {json.dumps(list(args))}\n"
        "outputs:\n  - source: /opt/ml/processing/output/out\n    destination: ./out\n    output_name: out\n"
    )
    return job


def test_run_describe_logs_and_list(tmp_path: Path) -> None:
    jobs = str(tmp_path / "jobs")
    result = byoc("run", str(write_job(tmp_path, "cli-job", "--write", "out")), "--jobs-dir", jobs)
    assert result.returncode == 0, result.stderr
    assert "status     Completed" in result.stdout
    assert "algo-1 | algo-1 done" in result.stderr and "algo-2 | algo-2 done" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["algo-1.json", "algo-2.json"]

    described = byoc("describe", "cli-job", "--jobs-dir", jobs)
    assert described.returncode == 0
    assert "host       algo-2  exit code 0" in described.stdout
    as_json = json.loads(byoc("describe", "cli-job", "--json", "--jobs-dir", jobs).stdout)
    assert as_json["ProcessingJobStatus"] == "Completed"
    assert [h["ExitCode"] for h in as_json["Byoc"]["Hosts"]] == [0, 0]
    assert as_json["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 2

    logs = byoc("logs", "cli-job", "--host", "algo-2", "--jobs-dir", jobs)
    assert logs.stdout.splitlines() == ["algo-2 | algo-2 starting", "algo-2 | algo-2 done"]
    listed = byoc("list", "--jobs-dir", jobs)
    assert "cli-job" in listed.stdout and "Completed" in listed.stdout
    unknown = byoc("describe", "nope", "--jobs-dir", jobs)
    assert unknown.returncode == 2 and "no job named 'nope'" in unknown.stderr


def test_a_failed_job_exits_1_and_says_where_its_files_are(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    result = byoc("run", str(write_job(tmp_path, "failing", "--fail-on", "algo-1", "--write", "out", instance_count=1)),
                  "--jobs-dir", str(jobs), "--quiet")
    assert result.returncode == 1
    assert "status     Failed" in result.stdout
    assert "reason     AlgorithmError: InputError: channel 'data'" in result.stdout
    assert f"output     out -> not uploaded; files stay in {jobs}/failing/hosts" in result.stdout


def start_run(tmp_path: Path, name: str) -> subprocess.Popen[str]:
    job = write_job(tmp_path, name, "--sleep-on", "algo-1=120", "--sleep-on", "algo-2=120")
    command = [str(Path(sys.executable).parent / "byoc"), "run", str(job), "--jobs-dir", str(tmp_path / "jobs"),
               "--stop-grace-seconds", "10"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def wait_until_running(tmp_path: Path, name: str, proc: subprocess.Popen[str]) -> None:
    log = tmp_path / "jobs" / name / "hosts" / "algo-2" / "log.txt"
    deadline = time.monotonic() + 60
    while not (log.exists() and "sleeping" in log.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.2)


def test_stop_from_another_terminal_stops_the_job(tmp_path: Path) -> None:
    proc = start_run(tmp_path, "stoppable")
    wait_until_running(tmp_path, "stoppable", proc)
    stopped = byoc("stop", "stoppable", "--jobs-dir", str(tmp_path / "jobs"))
    assert stopped.returncode == 0, stopped.stderr
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 4
    assert "reason     Stopped: StopProcessingJob was requested" in out
    record = records.load(tmp_path / "jobs/stoppable/job.json")
    assert record.status == "Stopped" and [h.exit_code for h in record.hosts] == [143, 143]


def test_ctrl_c_stops_every_container_and_leaves_nothing(tmp_path: Path) -> None:
    proc = start_run(tmp_path, "interrupted")
    wait_until_running(tmp_path, "interrupted", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: every container was stopped and removed" in err
    record = records.load(tmp_path / "jobs/interrupted/job.json")
    assert record.status == "Stopped"
    assert record.failure_reason == "Stopped: the launcher was interrupted (Ctrl-C)"
