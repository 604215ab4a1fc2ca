"""The local backend's rules, through their seams and without Docker: supervision, outcome, outputs.

The engine is behind `supervisor.Containers`; these tests drive it with containers that exit when
told to, so each rule (first failure stops the others, max runtime, stop causes, kill) is checked
exactly. The container tests in tests/launcher run the real paths.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path, PurePosixPath

import pytest

from launcher.backend import StopCause
from launcher.definition import ProcessingOutput
from launcher.local.outcome import LIMIT_BYTES, decide
from launcher.local.outputs import ContinuousUploader, OutputConflictError, output_files, upload_outputs
from launcher.local.supervisor import Limits, RunResult, Stop, StopRequest, Supervisor
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3Client
from launcher.storage.errors import LocalFileError


class ScriptedContainers:
    """Hosts that exit with a given code when released; `stop` releases the rest with 143, `kill` with 137."""

    def __init__(self, hosts: tuple[str, ...]) -> None:
        self.exits = {host: threading.Event() for host in hosts}
        self.codes: dict[str, int] = {}
        self.calls: list[str] = []

    def release(self, host: str, code: int) -> None:
        self.codes[host] = code
        self.exits[host].set()

    def wait(self, host: str) -> int:
        self.exits[host].wait(30)
        return self.codes[host]

    def stop(self, grace_seconds: float) -> None:
        self.calls.append(f"stop {grace_seconds:g}")
        for host, event in self.exits.items():
            if not event.is_set():
                self.release(host, 143)

    def kill(self) -> None:
        self.calls.append("kill")
        for host, event in self.exits.items():
            if not event.is_set():
                self.release(host, 137)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0  # one second per look: max runtime is reached after a known number of polls
        return self.now


HOSTS = ("algo-1", "algo-2", "algo-3")


def supervise(containers: ScriptedContainers, *, max_runtime: float | None = None,
              request: list[StopRequest | None] | None = None) -> tuple[RunResult, list[Stop]]:
    stopping: list[Stop] = []
    requests = request if request is not None else [None]
    supervisor = Supervisor(containers, HOSTS, Limits(max_runtime, grace_seconds=7, poll_seconds=0.01),
                            stop_requested=lambda: requests[0], on_exit=lambda host, code: None,
                            on_stopping=stopping.append, clock=Clock())
    return supervisor.run(), stopping


def test_every_host_exits_zero_and_nothing_is_stopped() -> None:
    containers = ScriptedContainers(HOSTS)
    for host in HOSTS:
        containers.release(host, 0)
    result, stopping = supervise(containers)
    assert result == RunResult({"algo-1": 0, "algo-2": 0, "algo-3": 0})
    assert containers.calls == [] and stopping == []
    assert decide(result, {}, set()).status == "Completed"


def test_the_first_failure_stops_the_others_and_names_its_host() -> None:
    containers = ScriptedContainers(HOSTS)
    containers.release("algo-2", 1)
    result, _ = supervise(containers)
    assert result.first_failure == "algo-2" and result.stop is None
    assert result.exit_codes == {"algo-1": 143, "algo-2": 1, "algo-3": 143}
    assert containers.calls == ["stop 7"]
    outcome = decide(result, {"algo-2": "InputError: bad.csv line 3\nmore"}, set())
    assert outcome.status == "Failed"
    assert outcome.failure_reason == "AlgorithmError: InputError: bad.csv line 3, exit code: 1 (host algo-2)"


def test_max_runtime_stops_every_host_and_says_so() -> None:
    containers = ScriptedContainers(HOSTS)
    result, stopping = supervise(containers, max_runtime=3)
    assert result.stop is not None and result.stop.cause is StopCause.MAX_RUNTIME
    assert stopping == [result.stop]
    outcome = decide(result, {}, set())
    assert outcome.status == "Stopped"
    assert outcome.failure_reason is not None
    assert outcome.failure_reason.startswith("MaxRuntimeExceeded: the job ran longer than MaxRuntimeInSeconds=3")


@pytest.mark.parametrize(("cause", "reason"), [
    (StopCause.REQUESTED, "Stopped: StopProcessingJob was requested"),
    (StopCause.INTERRUPTED, "Stopped: the launcher was interrupted (Ctrl-C)"),
    (StopCause.TERMINATED, "Stopped: the launcher was terminated (SIGTERM)"),
    (StopCause.HANGUP, "Stopped: the launcher's terminal went away (SIGHUP)"),
])
def test_a_stop_request_records_what_stopped_the_job(cause: StopCause, reason: str) -> None:
    containers = ScriptedContainers(HOSTS)
    result, _ = supervise(containers, request=[StopRequest(cause)])
    assert containers.calls == ["stop 7"]
    assert decide(result, {}, set()).failure_reason == reason


def test_a_kill_request_kills_at_once() -> None:
    containers = ScriptedContainers(HOSTS)
    result, _ = supervise(containers, request=[StopRequest(StopCause.INTERRUPTED, kill=True)])
    assert containers.calls[0] == "kill"
    assert set(result.exit_codes.values()) == {137}
    assert decide(result, {}, set()).failure_reason == "Stopped: the launcher was interrupted (Ctrl-C)"


def test_a_long_exit_message_is_cut_but_the_exit_code_and_host_stay() -> None:
    result = RunResult({"algo-1": 2}, first_failure="algo-1")
    reason = decide(result, {"algo-1": "ValueError: " + "é" * 2000}, set()).failure_reason
    assert reason is not None
    assert reason.endswith(", exit code: 2 (host algo-1)")
    assert len(reason.encode("utf-8")) <= LIMIT_BYTES
    reason.encode("utf-8").decode("utf-8")  # cut on a character boundary


def test_an_oom_kill_says_out_of_memory() -> None:
    result = RunResult({"algo-1": 137}, first_failure="algo-1")
    reason = decide(result, {}, {"algo-1"}).failure_reason
    assert reason is not None and reason.startswith("OutOfMemory: host algo-1 was killed")


@pytest.fixture
def workspace(tmp_path: Path) -> JobWorkspace:
    return JobWorkspace(tmp_path / "job")


OUTPUT_PATH = "/opt/ml/processing/output/out"


def host_file(workspace: JobWorkspace, host: str, relative: str, text: str) -> None:
    path = workspace.host_path(host, OUTPUT_PATH) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def no_s3() -> S3Client:
    raise AssertionError("a local destination needs no S3 client")


def test_a_file_on_one_host_and_a_folder_on_another_fail_before_anything_is_uploaded(
        workspace: JobWorkspace, tmp_path: Path) -> None:
    host_file(workspace, "algo-1", "a.txt", "same")
    host_file(workspace, "algo-1", "x", "a file")
    host_file(workspace, "algo-2", "x/y", "in a folder")
    destination = tmp_path / "dest"
    output = ProcessingOutput(OUTPUT_PATH, str(destination), "out")
    with pytest.raises(OutputConflictError, match=r"output 'out': algo-1 and algo-2 both wrote 'x' as a file and "
                                                  r"as a folder \(holding 'x/y'\)"):
        upload_outputs(workspace, ("algo-1", "algo-2"), (output,), no_s3)
    assert not destination.exists()


def test_different_files_at_one_name_name_both_hosts(workspace: JobWorkspace, tmp_path: Path) -> None:
    host_file(workspace, "algo-1", "result.json", "one")
    host_file(workspace, "algo-3", "result.json", "three")
    output = ProcessingOutput(OUTPUT_PATH, str(tmp_path / "dest"), "out")
    with pytest.raises(OutputConflictError, match=r"algo-1 and algo-3 both wrote 'result\.json' with different"):
        upload_outputs(workspace, ("algo-1", "algo-3"), (output,), no_s3)


def test_a_local_destination_gets_links_to_the_hosts_files_not_copies(workspace: JobWorkspace, tmp_path: Path
                                                                      ) -> None:
    for host in ("algo-1", "algo-2"):  # the same name with the same bytes: sent once
        host_file(workspace, host, "model/weights.bin", "w" * 4096)
    destination = tmp_path / "dest"
    upload_outputs(workspace, ("algo-1", "algo-2"), (ProcessingOutput(OUTPUT_PATH, str(destination), "out"),), no_s3)
    sent = destination / "model" / "weights.bin"
    written = workspace.host_path("algo-1", OUTPUT_PATH) / "model" / "weights.bin"
    assert sent.read_text() == "w" * 4096
    assert sent.stat().st_ino == written.stat().st_ino
    assert [p.name for p in sent.parent.iterdir()] == ["weights.bin"]  # no partial file left


def test_a_file_changed_since_it_was_sent_during_the_job_is_sent_again(workspace: JobWorkspace, tmp_path: Path
                                                                       ) -> None:
    host_file(workspace, "algo-1", "f.txt", "old")
    sent = {("out", PurePosixPath("f.txt")): hashlib.sha256(b"old").hexdigest()}
    host_file(workspace, "algo-1", "f.txt", "new")
    upload_outputs(workspace, ("algo-1",), (ProcessingOutput(OUTPUT_PATH, str(tmp_path / "dest"), "out"),), no_s3,
                   skip=sent)
    assert (tmp_path / "dest" / "f.txt").read_text() == "new"


def test_a_continuous_file_changed_back_is_sent_again(workspace: JobWorkspace, tmp_path: Path) -> None:
    """A, then B, then A again: the destination ends with A, though A was sent once before."""
    destination = tmp_path / "dest"
    output = ProcessingOutput(OUTPUT_PATH, str(destination), "out", s3_upload_mode="Continuous")
    uploader = ContinuousUploader(workspace, ("algo-1",), (output,), no_s3, interval_seconds=60)
    for text in ("A", "BB", "A"):
        host_file(workspace, "algo-1", "state.txt", text)
        uploader.poll()
        uploader.poll()  # held still for one poll: sent
        assert (destination / "state.txt").read_text() == text


def test_a_continuous_file_held_still_is_read_once_not_at_every_poll(workspace: JobWorkspace, tmp_path: Path
                                                                      ) -> None:
    """Its bytes changed behind an unchanged size and mtime go unseen, which shows it was not read again; a new
    mtime has it read, and sent, again."""
    destination = tmp_path / "dest"
    output = ProcessingOutput(OUTPUT_PATH, str(destination), "out", s3_upload_mode="Continuous")
    uploader = ContinuousUploader(workspace, ("algo-1",), (output,), no_s3, interval_seconds=60)
    host_file(workspace, "algo-1", "model.bin", "A" * 1000)
    uploader.poll()
    uploader.poll()
    assert (destination / "model.bin").read_text() == "A" * 1000
    written = workspace.host_path("algo-1", OUTPUT_PATH) / "model.bin"
    held = written.stat()
    written.write_text("B" * 1000)
    os.utime(written, ns=(held.st_atime_ns, held.st_mtime_ns))
    for _ in range(3):
        uploader.poll()
    assert (destination / "model.bin").read_text() == "A" * 1000
    os.utime(written, ns=(held.st_atime_ns, held.st_mtime_ns + 1_000_000))
    uploader.poll()
    uploader.poll()
    assert (destination / "model.bin").read_text() == "B" * 1000


def objects_seen(reports: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int]]:
    """The object counts reported, each once (bytes are reported between them as they move)."""
    found: list[tuple[str, int, int]] = []
    for name, done, total, _, _ in reports:
        if not found or found[-1] != (name, done, total):
            found.append((name, done, total))
    return found


def test_progress_says_how_many_objects_reached_the_destination(workspace: JobWorkspace, tmp_path: Path) -> None:
    for i in range(5):
        host_file(workspace, "algo-1", f"f{i}.txt", str(i))
    destination = tmp_path / "dest"
    (destination / "f3.txt").mkdir(parents=True)  # a folder where the 4th file goes: the upload fails there
    seen: list[tuple[str, int, int, int, int]] = []
    output = ProcessingOutput(OUTPUT_PATH, str(destination), "out")
    with pytest.raises(LocalFileError, match=r"f3\.txt"):
        upload_outputs(workspace, ("algo-1",), (output,), no_s3, on_progress=lambda *a: seen.append(a))
    assert objects_seen(seen) == [("out", 0, 5), ("out", 1, 5), ("out", 2, 5), ("out", 3, 5)]
    assert seen[-1][3:] == (4, 5)  # bytes moved: the 4th file's too, copied before its rename failed
    assert sorted(p.name for p in destination.iterdir()) == ["f0.txt", "f1.txt", "f2.txt", "f3.txt"]


def test_files_sent_during_the_job_count_as_uploaded(workspace: JobWorkspace, tmp_path: Path) -> None:
    for i in range(3):
        host_file(workspace, "algo-1", f"f{i}.txt", str(i))
    output = ProcessingOutput(OUTPUT_PATH, str(tmp_path / "dest"), "out")
    files = output_files(workspace, ("algo-1",), output)
    sent = {("out", PurePosixPath("f0.txt")): hashlib.sha256(files[0].path.read_bytes()).hexdigest()}
    seen: list[tuple[str, int, int, int, int]] = []
    upload_outputs(workspace, ("algo-1",), (output,), no_s3, skip=sent, on_progress=lambda *a: seen.append(a))
    assert objects_seen(seen) == [("out", 1, 3), ("out", 2, 3), ("out", 3, 3)]
    assert seen[0][3:] == (1, 3) and seen[-1][3:] == (3, 3)
