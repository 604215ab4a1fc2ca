"""Hand a created job to its supervisor: a detached process of its own, or a thread of this one.

The supervisor holds an exclusive `flock` on the job's `supervisor.lock` for as long as it lives; the
kernel drops the lock when the process dies, however it dies. So "is anyone still supervising this
job?" is answered by trying the lock (`supervisor_alive`), with no pid files to go stale and no pid
reuse to fool it. The lock is taken by the submitting process before the job is recorded, and handed
over to the supervisor: a reader can never see an InProgress job with nobody holding its lock.

DETACHED forks twice, so the supervisor is reparented to init and the client that submitted the job
leaves no zombie; it starts a new session (no terminal, so no SIGHUP or Ctrl-C reaches it) and writes
anything it prints to `supervisor.log`. Forking keeps everything already imported, so starting a
job costs no second interpreter start-up (a new `python -m ...` would add about 0.2 s to every job).
The submitting process must have no other threads when it forks: the CLI forks before it starts any.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import IO

from launcher.backend import StopCause
from launcher.local.stopping import request_stop
from launcher.local.workspace import JobWorkspace


def take_lock(workspace: JobWorkspace) -> IO[bytes]:
    """Open and lock the job's supervisor lock; the open file is the lock."""
    handle = workspace.lock_file.open("ab")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def pid_alive(pid: int) -> bool:
    """Whether the process `pid` of this PID namespace exists (a child that exited but was not reaped does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def supervisor_alive(workspace: JobWorkspace) -> bool:
    """Whether some process still holds the job's lock (a supervisor, or a submitter about to hand over)."""
    try:
        handle = workspace.lock_file.open("ab")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def in_thread(lock: IO[bytes], supervise: Callable[[], None], workspace: JobWorkspace) -> threading.Thread:
    """Supervise in a thread of this process; the lock is released when the job has ended. A supervisor's
    traceback goes to the job's `supervisor.log`, as a detached supervisor's does."""

    def body() -> None:
        with lock:
            try:
                supervise()
            except BaseException:
                with contextlib.suppress(OSError), workspace.supervisor_log.open("a", encoding="utf-8") as log:
                    traceback.print_exc(file=log)
                raise

    thread = threading.Thread(target=body, name=f"supervise-{workspace.folder.name}")
    thread.start()
    return thread


def detached(lock: IO[bytes], supervise: Callable[[], None], workspace: JobWorkspace,
             then: Callable[[], None] | None = None) -> None:
    """Supervise in a process of its own that outlives this one, which keeps no lock. Once the job has ended
    and its lock is released, the supervisor runs `then` (the CLI's lingers, warm: launcher/cli/warm.py) and
    exits."""
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # the intermediate child: start a session, fork the supervisor, leave at once
        try:
            os.setsid()
            if os.fork() == 0:
                _become_supervisor(lock, supervise, workspace, then)
        finally:
            os._exit(0)
    lock.close()  # the supervisor has its own descriptor of the locked file
    os.waitpid(child, 0)


def _become_supervisor(lock: IO[bytes], supervise: Callable[[], None], workspace: JobWorkspace,
                       then: Callable[[], None] | None) -> None:
    """In the grandchild: quiet stdio, SIGTERM means "stop the job", run it, then `then`, exit without Python's
    teardown."""
    log = os.open(workspace.supervisor_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: request_stop(workspace, StopCause.TERMINATED))
    code = 0
    try:
        with lock:
            supervise()
    except BaseException:
        traceback.print_exc()
        code = 1
    else:
        if then is not None:
            with contextlib.suppress(Exception):  # the job has ended, and is no less done if nothing follows
                then()
    finally:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)  # the parent's atexit handlers and buffers are not this process's to run
