"""A `byoc run` after another of the same environment runs warm, in a fork of the first job's supervisor, and
nothing a user sees tells them apart: output, exit code, signals, the job and its supervisor are a cold run's.
Another environment, another user, or BYOC_WARM_SECONDS=0 runs cold; the warm process leaves when told."""

from __future__ import annotations

import contextlib
import functools
import os
import pty
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from launcher.cli import handover
from launcher.local import record as records
from launcher.local.network_pool import pool_name
from tests.launcher.test_network_pool import pooled
from tests.launcher.test_seam import containers_of, job_file, wait_for_end, wait_until_sleeping

BYOC = str(Path(sys.executable).parent / "byoc")


def environment(tmp_path: Path, seconds: str = "60") -> dict[str, str]:
    """This test's own environment: a warm process of another test's never serves it."""
    return {**os.environ, "BYOC_WARM_SECONDS": seconds, "BYOC_TEST_WARM": tmp_path.name}


def warm_pid() -> int | None:
    """The process listening on this user's warm address, if any (from /proc: it leaves no file to look at)."""
    address = "@" + handover.address()[1:]
    inodes = {line.split()[6] for line in Path("/proc/net/unix").read_text().splitlines()[1:]
              if line.split()[-1] == address and line.split()[3] == "00010000"}  # __SO_ACCEPTCON: listening
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = {os.readlink(fd) for fd in fd_dir.iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return int(fd_dir.parent.name)
    return None


def alive(pid: int) -> bool:
    """Whether `pid` runs (an exited process its parent has not reaped yet does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone(pid: int) -> bool:
    return not alive(pid)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def run(tmp_path: Path, name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`byoc run` of a job file by its path relative to the test's folder, from that folder (a warm process holds
    none: its child takes the client's)."""
    job_file(tmp_path, name, *args)
    return subprocess.run([BYOC, "run", f"{name}.yaml", "--jobs-dir", "jobs"], capture_output=True, text=True,
                          env=env, timeout=120, check=False, cwd=tmp_path)


def start(tmp_path: Path, name: str, env: dict[str, str], sleep: int = 60,
          ignore_sigint: bool = False) -> subprocess.Popen[str]:
    """`byoc run` of a sleeping job from the test's folder, in a session of its own (signals reach only it);
    `ignore_sigint`: started with Ctrl-C ignored, as a script's background job is."""
    job_file(tmp_path, name, "--sleep-on", f"algo-1={sleep}", "--write", "out")
    return subprocess.Popen([BYOC, "run", f"{name}.yaml", "--jobs-dir", "jobs", "--stop-grace-seconds", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            start_new_session=True,
                            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint
                            else None)


def supervisor_of(tmp_path: Path, name: str) -> int:
    pid = records.load(tmp_path / "jobs" / name / "job.json").supervisor_pid
    assert pid is not None
    return pid


def first_job(tmp_path: Path, env: dict[str, str]) -> int:
    """Run a job cold; the pid of its supervisor, which then waits, warm."""
    assert run(tmp_path, "first", "--write", "out", env=env).returncode == 0
    supervisor = supervisor_of(tmp_path, "first")
    assert eventually(lambda: warm_pid() == supervisor), "the first job's supervisor is not waiting, warm"
    return supervisor


def masked(text: str) -> str:
    """Output with what differs between two runs of one job (its name, times, seconds, folder) blanked."""
    text = re.sub(r"\b(cold|warm)\b", "JOB", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", "TIME", text)
    return re.sub(r"\d+\.\d+ ?s\b", "N s", text)


def test_a_second_run_runs_in_a_fork_of_the_first_supervisor_and_prints_exit_code_and_all_as_a_cold_one(
        tmp_path: Path) -> None:
    env = environment(tmp_path)
    warm = first_job(tmp_path, env)
    proc = start(tmp_path, "sleeper", env, sleep=2)
    wait_until_sleeping(tmp_path, "sleeper")
    runner = children_of(warm)
    assert runner, "no process forked from the warm one runs the second command"
    supervisor = supervisor_of(tmp_path, "sleeper")
    assert supervisor not in (warm, proc.pid, *runner), "the job has a supervisor of its own, as a cold one does"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert wait_for_end(tmp_path, "sleeper").status == "Completed"
    assert eventually(lambda: not children_of(warm)), "the process that ran the command did not end"

    failing = ("--fail-on", "algo-1", "--message", "no [bold]column[/bold] x", "--write", "out")
    warm_run = run(tmp_path, "warm", *failing, env=env)
    cold_run = run(tmp_path, "cold", *failing, env={**env, "BYOC_WARM_SECONDS": "0"})
    assert warm_pid() == warm, "the cold run asked the warm process to leave"
    assert (warm_run.returncode, cold_run.returncode) == (1, 1)
    assert masked(warm_run.stdout) == masked(cold_run.stdout)
    # stderr interleaves the host's lines with progress lines as they come: the same lines, maybe in another order
    assert sorted(masked(warm_run.stderr).splitlines()) == sorted(masked(cold_run.stderr).splitlines())
    assert [line for line in warm_run.stdout.splitlines() if line.startswith("reason")
            and "no [bold]column[/bold] x" in line]

    usage = subprocess.run([BYOC, "run", "missing.yaml", "--jobs-dir", "jobs"], capture_output=True, text=True,
                           env=env, timeout=60, check=False, cwd=tmp_path)
    assert usage.returncode == 2 and usage.stderr.startswith("error: ") and "missing.yaml" in usage.stderr
    assert not containers_of("warm") and not containers_of("sleeper")


def test_sigterm_to_a_warm_run_stops_the_job_and_sigkill_leaves_it_running_to_its_end(tmp_path: Path) -> None:
    env = environment(tmp_path)
    warm = first_job(tmp_path, env)
    proc = start(tmp_path, "terminated", env)
    wait_until_sleeping(tmp_path, "terminated")
    assert children_of(warm)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    record = wait_for_end(tmp_path, "terminated")
    assert (record.status, record.failure_reason) == ("Stopped", "Stopped: the launcher was terminated (SIGTERM)")

    proc = start(tmp_path, "orphaned", env, sleep=3)
    wait_until_sleeping(tmp_path, "orphaned")
    assert children_of(warm)
    proc.kill()
    proc.communicate(timeout=10)  # its streams close: the process that ran the command left with it
    assert eventually(lambda: not children_of(warm), seconds=5)
    assert wait_for_end(tmp_path, "orphaned").status == "Completed"
    assert (tmp_path / "out" / "algo-1.json").is_file(), "its output was uploaded"
    assert warm_pid() == warm
    assert not containers_of("terminated") and not containers_of("orphaned")


def test_another_environment_runs_cold_and_its_supervisor_takes_the_warm_place(tmp_path: Path) -> None:
    env = environment(tmp_path)
    warm = first_job(tmp_path, env)
    other = {**env, "BYOC_TEST_WARM": f"{tmp_path.name}-other"}
    proc = start(tmp_path, "other", other, sleep=2)
    wait_until_sleeping(tmp_path, "other")
    assert not children_of(warm), "a warm process served a client of another environment"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    newer = supervisor_of(tmp_path, "other")
    assert eventually(lambda: warm_pid() == newer), "the other environment's supervisor did not take over"
    assert eventually(lambda: not alive(warm)), "the older warm process did not leave"


def test_byoc_warm_seconds_bounds_the_wait_and_zero_turns_it_off(tmp_path: Path) -> None:
    handover.retire()
    assert run(tmp_path, "never-warm", "--write", "out", env=environment(tmp_path, "0")).returncode == 0
    off = supervisor_of(tmp_path, "never-warm")
    assert eventually(lambda: not alive(off)), "with 0 the supervisor stayed"
    assert warm_pid() is None

    assert run(tmp_path, "brief", "--write", "out", env=environment(tmp_path, "3")).returncode == 0
    brief = supervisor_of(tmp_path, "brief")
    assert eventually(lambda: warm_pid() == brief, seconds=3)
    assert eventually(lambda: warm_pid() is None, seconds=10), "it outstayed BYOC_WARM_SECONDS=3"
    assert eventually(lambda: not alive(brief))

    first_job(tmp_path, environment(tmp_path))
    assert handover.retire()
    assert eventually(lambda: warm_pid() is None)


def test_a_warm_run_colours_only_a_terminal_whatever_the_first_run_wrote_to(tmp_path: Path) -> None:
    env = {**environment(tmp_path), "TERM": "xterm-256color"}
    primary, secondary = pty.openpty()
    job = job_file(tmp_path, "terminal", "--write", "out")
    with subprocess.Popen([BYOC, "run", str(job), "--jobs-dir", "jobs"], stdin=secondary, stdout=secondary,
                          stderr=secondary, env=env, start_new_session=True, cwd=tmp_path) as cold:
        seen = b""
        while cold.poll() is None or _readable(primary):
            if _readable(primary):
                seen += os.read(primary, 65536)
    os.close(secondary)
    assert cold.returncode == 0 and b"\x1b[" in seen, "a terminal gets colours"
    warm = supervisor_of(tmp_path, "terminal")
    assert eventually(lambda: warm_pid() == warm)

    piped = run(tmp_path, "piped", "--write", "out", env=env)
    assert piped.returncode == 0, piped.stderr
    assert "submitted piped" in piped.stderr
    assert "\x1b[" not in piped.stdout + piped.stderr, "a warm run coloured a pipe"
    os.close(primary)


def _readable(fd: int) -> bool:
    import select

    try:
        return bool(select.select([fd], [], [], 0.05)[0])
    except OSError:
        return False


def test_another_users_process_gets_nothing_from_a_warm_byoc(tmp_path: Path) -> None:
    warm = first_job(tmp_path, environment(tmp_path))
    address = handover.address()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # as nobody, knock on this user's address with a well-formed request
        os.close(reader)
        answer = b"?"
        try:
            os.setgid(65534)
            os.setuid(65534)
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(10)
                connection.connect(address)
                socket.send_fds(connection, [handover.frame({"key": "", "argv": ["byoc", "run", "x"]})], [0, 1, 2])
                answer = connection.recv(64) or b"nothing"
        except OSError as error:
            answer = f"refused: {error}".encode()
        finally:
            os.write(writer, answer)
            os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    with os.fdopen(reader, "rb") as answered:
        answer = answered.read()
    # closed at once: read as nothing, or as a reset or broken pipe, depending on when the close lands
    assert answer == b"nothing" or answer.startswith(b"refused: "), f"it answered another user: {answer!r}"
    assert not children_of(warm) and warm_pid() == warm


def test_a_squatter_of_another_user_on_the_address_gets_nothing_and_every_run_goes_cold(tmp_path: Path) -> None:
    """Abstract socket names have no owner: another user can take this user's first. Neither a client nor a
    finished job's supervisor sends it anything (not a fingerprint, not a stream); jobs run cold."""
    handover.retire()
    address = handover.address()
    ready, told = os.pipe()
    reader, writer = os.pipe()
    squatter = os.fork()
    if squatter == 0:
        os.close(ready)
        os.close(reader)
        got = b""
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # told to stop: say what came, then leave
        try:
            os.setgid(65534)
            os.setuid(65534)
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
                listener.bind(address)
                listener.listen(8)
                listener.settimeout(0.2)
                os.write(told, b"1")
                while True:
                    try:
                        connection, _ = listener.accept()
                    except TimeoutError:
                        continue
                    with connection:
                        connection.settimeout(1)
                        with contextlib.suppress(OSError):
                            got += connection.recv(65536) or b""
        finally:
            os.write(writer, got or b"nothing")
            os._exit(0)
    os.close(told)
    os.close(writer)
    assert os.read(ready, 1) == b"1"
    env = environment(tmp_path)
    for name in ("squatted-1", "squatted-2"):
        assert run(tmp_path, name, "--write", "out", env=env).returncode == 0
        supervisor = supervisor_of(tmp_path, name)
        assert eventually(functools.partial(gone, supervisor)), "a supervisor lingered"
    os.kill(squatter, signal.SIGTERM)
    os.waitpid(squatter, 0)
    with os.fdopen(reader, "rb") as received:
        assert received.read() == b"nothing", "the squatter was sent something"
    os.close(ready)


def test_a_warm_process_keeps_no_descriptor_its_first_byoc_inherited(tmp_path: Path) -> None:
    """A script holding a lock on a descriptor it passes to `byoc` gets it back when that byoc ends, not when a
    supervisor that lingers does."""
    lock = tmp_path / "script.lock"
    with lock.open("w") as held:
        os.set_inheritable(held.fileno(), True)
        job = job_file(tmp_path, "inherits", "--write", "out")
        done = subprocess.run([BYOC, "run", str(job), "--jobs-dir", "jobs"], capture_output=True, text=True,
                              env=environment(tmp_path), pass_fds=(held.fileno(),), timeout=120, check=False,
                              cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warm = supervisor_of(tmp_path, "inherits")
    assert eventually(lambda: warm_pid() == warm)
    opened = {os.readlink(fd) for fd in Path(f"/proc/{warm}/fd").iterdir()}
    assert str(lock) not in opened
    assert os.readlink(f"/proc/{warm}/cwd") == "/", "it holds its first command's folder"


def test_a_warm_run_started_with_ctrl_c_ignored_runs_its_command_with_ctrl_c_ignored(tmp_path: Path) -> None:
    """As a cold `byoc run &` of a script does (Python keeps an inherited SIG_IGN for SIGINT)."""
    env = environment(tmp_path)
    warm = first_job(tmp_path, env)
    proc = start(tmp_path, "background", env, sleep=2, ignore_sigint=True)
    wait_until_sleeping(tmp_path, "background")
    [runner] = children_of(warm)
    ignored = int(next(line.split()[1] for line in Path(f"/proc/{runner}/status").read_text().splitlines()
                       if line.startswith("SigIgn:")), 16)
    assert ignored & (1 << (signal.SIGINT - 1)), "the command does not ignore Ctrl-C"
    proc.send_signal(signal.SIGINT)  # ignored by both: the job runs to its end
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert wait_for_end(tmp_path, "background").status == "Completed"


def test_a_warm_multi_host_job_reuses_the_last_ones_network_which_goes_when_the_warm_process_retires(
    tmp_path: Path,
) -> None:
    handover.retire()
    env = environment(tmp_path)
    pool = pool_name()  # the warm process's: same user, installation, machine, namespace and engine
    before = pooled(pool)
    linger = ["--sleep-on", "algo-1=2", "--sleep-on", "algo-2=2"]  # a host's name resolves only while it runs
    job_file(tmp_path, "pair-1", "--resolve", *linger, "--write", "out", instance_count=2)
    job_file(tmp_path, "pair-2", "--resolve", *linger, "--write", "out", instance_count=2)
    for name in ("pair-1", "pair-2"):
        result = subprocess.run([BYOC, "run", f"{name}.yaml", "--jobs-dir", "jobs"], capture_output=True, text=True,
                                env=env, timeout=120, check=False, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert not containers_of(name), "the job's containers outlived it"
        kept = {network: on for network, on in pooled(pool).items() if network not in before}
        assert list(kept.values()) == [0], f"after {name}: one pooled network with no container on it: {kept}"
        if name == "pair-1":
            first = next(iter(kept))
            assert eventually(lambda: warm_pid() == supervisor_of(tmp_path, "pair-1")), "no warm process owns it"
        else:
            assert next(iter(kept)) == first, "the second job made a network of its own"
    assert handover.retire()
    assert eventually(lambda: first not in pooled(pool)), "the retired warm process left its network"
