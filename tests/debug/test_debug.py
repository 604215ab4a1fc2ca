"""`byoc debug JOB [--host algo-k] [-- CMD]`: a container like the failed host, and nothing left after it.

Each debug session here runs one command instead of a shell (or a shell reading its commands from stdin)
and returns its exit code; what the host had (hostname, alias, /opt/ml, environment) is asserted from
inside it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import docker
import pytest

from tests.containers.conftest import image_tag
from tests.debug.conftest import MESSAGE, FailedJob, kit_leftovers, run_failed_job
from tests.launcher.conftest import SCRIPTS, byoc

PY = "python3"


def debug(job: FailedJob, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "byoc"), "debug", job.name, "--jobs-dir",
                           str(job.jobs_dir), *args], capture_output=True, text=True, input=stdin, timeout=120,
                          check=False)


def debug_leftovers(job: FailedJob) -> set[str]:
    client = docker.from_env()
    names = {c["Names"][0].lstrip("/") for c in client.api.containers(all=True)}
    return {name for name in names if name.startswith(f"byoc-debug-{job.name}")} | \
        {n.name for n in client.networks.list() if n.name.startswith(f"byoc-debug-{job.name}")}


def test_run_keep_keeps_only_the_failed_host_and_clean_removes_it(failed_job: FailedJob) -> None:
    kept = f"byoc-{failed_job.name}-algo-2"
    assert f"kept algo-2's container {kept} (exit code 4)" in failed_job.run_stderr
    client = docker.from_env()
    container = client.containers.get(kept)
    assert container.status == "exited"
    assert container.attrs["State"]["ExitCode"] == 4
    assert kit_leftovers(failed_job.name) == {kept}, "algo-1 exited 0 and its container and the network must go"
    cleaned = byoc("clean", failed_job.name, "--jobs-dir", str(failed_job.jobs_dir))
    assert cleaned.returncode == 0, cleaned.stderr
    assert cleaned.stdout.strip() == f"{failed_job.name}: 1 container(s), network(s) and volume(s) removed"
    assert kit_leftovers(failed_job.name) == set()


def test_a_command_runs_as_the_host_with_its_config_mounts_and_hostname(failed_job: FailedJob) -> None:
    result = debug(failed_job, "--host", "algo-2", "--", "cat", "/opt/ml/config/resourceconfig.json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"],
                                         "network_interface_name": "eth0"}
    names = debug(failed_job, "--host", "algo-2", "--", PY, "-c",
                  "import socket; print(socket.gethostname(), socket.gethostbyname('algo-2') != '')")
    assert names.stdout.split() == ["algo-2", "True"], names.stderr
    message = debug(failed_job, "--", "cat", "/opt/ml/output/message")  # the default host is the failed one
    assert message.stdout == f"InputError: channel 'data', file 'bad.csv' line 3: {MESSAGE}", message.stdout
    assert "job       " not in message.stdout, "what byoc says about the host goes to stderr"
    assert debug_leftovers(failed_job) == set()


def test_the_mount_is_the_hosts_own_folder_read_write(failed_job: FailedJob) -> None:
    result = debug(failed_job, "--host", "algo-1", "--", PY, "-c",
                   "open('/opt/ml/processing/input/data/touched', 'w').write('x')")
    assert result.returncode == 0, result.stderr
    host_folder = failed_job.jobs_dir / failed_job.name / "hosts" / "algo-1" / "ml"
    assert (host_folder / "processing/input/data/touched").read_text() == "x"
    assert (host_folder / "processing/input/data/houses.csv").is_file()


def test_what_a_session_writes_does_not_reach_an_output_delivered_by_link(tmp_path: Path) -> None:
    """A local destination gets hard links to the hosts' files; a debug shell writing them again must not
    change what the job delivered."""
    name = f"delivered-{uuid.uuid4().hex[:10]}"
    job = tmp_path / "job.yaml"
    job.write_text(f"job_name: {name}\nimage_uri: {image_tag('base')}\narguments: [inventory, --output, out]\n"
                   "outputs: [{output_name: out, source: /opt/ml/processing/output/out, "
                   f"destination: {tmp_path}/out}}]\n")
    jobs_dir = tmp_path / "jobs"
    assert byoc("run", str(job), "--jobs-dir", str(jobs_dir)).returncode == 0
    delivered = (tmp_path / "out" / "algo-1.json").read_text()
    session = FailedJob(name, jobs_dir, "")

    result = debug(session, "--", PY, "-c", "open('/opt/ml/processing/output/out/algo-1.json', 'w').write('again')")

    assert result.returncode == 0, result.stderr
    assert (jobs_dir / name / "hosts/algo-1/ml/processing/output/out/algo-1.json").read_text() == "again"
    assert (tmp_path / "out" / "algo-1.json").read_text() == delivered
    assert not debug_leftovers(session)


def test_the_environment_is_the_hosts_without_credentials_unless_asked(failed_job: FailedJob,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    show = "import json, os; print(json.dumps(dict(os.environ)))"
    plain = debug(failed_job, "--", PY, "-c", show)
    env = json.loads(plain.stdout)
    assert env["MODE"] == "debugging"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"]
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert not {key for key in env if key.startswith("AWS_CONTAINER_")}
    assert "left out of the job's env: AWS_SECRET_ACCESS_KEY" in plain.stderr
    assert "not-a-real-secret" not in plain.stderr
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEBUGSHELLTEST00")  # the launcher's, made up
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "made-up-for-the-test")
    asked = debug(failed_job, "--with-credentials", "--", PY, "-c", show)
    env = json.loads(asked.stdout)
    assert env["AWS_SECRET_ACCESS_KEY"] == "not-a-real-secret"
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "http://127.0.0.1:51679/credentials"
    assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    # The launcher's own credentials, served by the sidecar on the shell's loopback as the job's hosts had them.
    fetch = ("import json, os, urllib.request; "
             "r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], "
             "headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}); "
             "print(json.load(urllib.request.urlopen(r, timeout=10))['AccessKeyId'])")
    served = debug(failed_job, "--with-credentials", "--", PY, "-c", fetch)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "AKIADEBUGSHELLTEST00"
    assert debug_leftovers(failed_job) == set()


def test_the_printed_command_reruns_the_failure(failed_job: FailedJob) -> None:
    shown = debug(failed_job, "--", "true")
    rerun = next(line for line in shown.stderr.splitlines() if line.startswith("rerun"))
    command = rerun.removeprefix("rerun").strip()
    assert command == ("python3 /opt/ml/processing/input/code/behave.py --fail-on algo-2 --sleep-on algo-2=2 "
                       f"--message '{MESSAGE}'")
    again = debug(failed_job, "--", "sh", "-c", command)
    assert again.returncode == 4, again.stderr  # the host's own exit code: InputError
    assert f"line 3: {MESSAGE}" in again.stderr
    kept = f"byoc-{failed_job.name}-algo-2"
    assert f"the host's own container {kept}: `docker inspect {kept}`" in shown.stderr


def test_the_shell_reads_commands_from_stdin_and_returns_its_exit_code(failed_job: FailedJob) -> None:
    result = debug(failed_job, stdin="hostname\ncat /opt/ml/config/resourceconfig.json > /dev/null\nexit 3\n")
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == "algo-2"
    assert "the shell's end removes its container and network" in result.stderr
    assert debug_leftovers(failed_job) == set()


def test_bad_requests_name_what_is_wrong(failed_job: FailedJob) -> None:
    no_host = debug(failed_job, "--host", "algo-3", "--", "true")
    assert no_host.returncode == 2
    assert no_host.stderr.strip() == f"error: job '{failed_job.name}' has no host 'algo-3' (hosts: algo-1, algo-2)"
    no_job = byoc("debug", "nope", "--jobs-dir", str(failed_job.jobs_dir), "--", "true")
    assert no_job.returncode == 2
    assert no_job.stderr.strip().startswith("error: no job named 'nope' in ")
    assert debug_leftovers(failed_job) == set()


def test_a_running_job_is_not_debugged_and_keep_is_for_local_jobs(tmp_path: Path) -> None:
    name = f"running-{uuid.uuid4().hex[:8]}"
    job = tmp_path / "job.yaml"
    job.write_text(f"job_name: {name}\nimage_uri: {image_tag('base')}\ncommand: [python3]\n"
                   f"code: {SCRIPTS / 'behave.py'}\narguments: [--sleep-on, algo-1=120]\n")
    jobs_dir = str(tmp_path / "jobs")
    started = byoc("run", str(job), "--no-wait", "--keep", "--jobs-dir", jobs_dir)
    assert started.returncode == 0, started.stderr
    try:
        refused = byoc("debug", name, "--jobs-dir", jobs_dir, "--", "true")
        assert refused.returncode == 2
        assert refused.stderr.strip() == (f"error: job '{name}' is InProgress: `byoc debug` opens a finished job's "
                                          f"host (wait for it, or `byoc stop {name}`)")
        not_yet = byoc("clean", name, "--jobs-dir", jobs_dir)
        assert not_yet.returncode == 2
        assert "only a finished job's containers are removed" in not_yet.stderr
    finally:
        byoc("stop", name, "--jobs-dir", jobs_dir)
    deadline = time.monotonic() + 60
    while "status     Stopped" not in byoc("describe", name, "--jobs-dir", jobs_dir).stdout:
        assert time.monotonic() < deadline, "the stopped job did not end"
        time.sleep(0.5)
    assert kit_leftovers(name) == set(), "a stopped job's hosts did not fail: --keep keeps none of them"
    sagemaker = byoc("run", str(job), "--keep", "--backend", "sagemaker", "--dry-run")
    assert sagemaker.returncode == 2
    assert sagemaker.stderr.strip() == ("error: --keep: only for the local backend (SageMaker keeps no instance of a "
                                        "job)")


def kit_volumes(job: str) -> set[str]:
    return {v.name for v in docker.from_env().volumes.list(filters={"label": f"byoc.job={job}"})}


def test_a_volume_staged_host_is_opened_on_its_kept_volume(tmp_path: Path) -> None:
    """With volume staging the inputs went straight into each host's volume: the kept one is what is mounted."""
    job = run_failed_job(tmp_path, "--staging", "volume")
    try:
        [volume] = kit_volumes(job.name)  # algo-2's, kept with its container; algo-1's went with the job
        assert volume.startswith(f"byoc-{job.name}-algo-2-")
        shown = debug(job, "--", "cat", "/opt/ml/processing/input/data/houses.csv", "/opt/ml/output/message")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == f"rooms,price\n3,100\nInputError: channel 'data', file 'bad.csv' line 3: {MESSAGE}"
        assert f"/opt/ml       the volume {volume} (read-write" in shown.stderr
        refused = debug(job, "--host", "algo-1", "--", "true")
        assert refused.returncode == 2
        assert refused.stderr.strip() == (
            f"error: job '{job.name}' had each host's /opt/ml in a Docker volume (volume staging), and algo-1's went "
            "with the job: run it again with `byoc run --keep` (a failed host's container and volume are kept, "
            "`byoc clean` removes them), or with --staging bind (its folder stays in the job's)")
        assert debug_leftovers(job) == set()
    finally:
        cleaned = byoc("clean", job.name, "--jobs-dir", str(job.jobs_dir))
    assert cleaned.stdout.strip() == f"{job.name}: 2 container(s), network(s) and volume(s) removed", cleaned.stderr
    assert kit_leftovers(job.name) == set() and kit_volumes(job.name) == set()
