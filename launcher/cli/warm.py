"""A warm `byoc run`: a finished job's supervisor stays, and runs the user's next `byoc run` in a fork of itself.

Before a cold `byoc run` asks the engine for anything, it starts Python, imports typer, rich and the
launcher and builds its command tree; then its job's supervisor imports docker-py and botocore, connects to
the engine and resolves credentials for the first time. On a small job that takes as long as the engine
takes to run it. So the supervisor of a job a cold `byoc` started does not exit when its job has ended: it
waits (`linger`), with all of that done, until BYOC_WARM_SECONDS (600 unless set; 0 turns this off) have
passed since the last command it ran. The next `byoc run` (handover.py, which needs nothing but the standard
library) sends it its arguments, working folder and stdin, stdout and stderr. While it waits, it keeps the
engine's `docker info` no older than a few seconds (launcher/local/cluster.py `engine_info`). The warm process
forks a child that runs the command as the cold process would have, in that folder, on those very streams; the
client forwards Ctrl-C, SIGTERM and SIGHUP to it and exits with its exit code. If the client is killed, the
child leaves at once, and the job is supervised to its end, as after a cold `byoc` was killed. The job has a
supervisor of its own, as ever: forked from the child, so it starts warm too; it does not linger itself.

Only a client of the same user in the same namespaces (checked both ways on the socket's peer) and of exactly
the same environment (`fingerprint`: every variable, the working folder, user, groups, umask, limits,
priority, cgroup, the same Python, packages and launcher files) is served: anything else runs cold, and its
job's supervisor, once done, takes the warm process's place. So a user has at most one per Python
installation, and a job never runs with another environment's credentials, region or engine. The warm process
never starts a thread, so every fork of it is safe. It holds no folder and leaves no file: its address is in
Linux's abstract socket namespace. It does keep the networks of its multi-host jobs for the next
(launcher/local/network_pool.py), and removes them when it leaves: after BYOC_WARM_SECONDS, when told to
retire, or on SIGTERM.

What still tells a warm run from a cold one: `ps` shows the command line of the `byoc run` that started the
warm process, and Ctrl-Z stops the client while the command goes on (it is not in the terminal's process
group).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import gc
import io
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from launcher.cli.handover import (
    CODE,
    REPLY_TIMEOUT_SECONDS,
    address,
    ask_to_retire,
    fingerprint,
    frame,
    is_ours,
    receive,
    receive_with_streams,
    warm_seconds,
)

POLL_SECONDS = 0.5
DRAIN_TIMEOUT_SECONDS = 5.0  # per engine request while retiring: a hung engine must not hold a SIGTERM up
ALONE_TIMEOUT_SECONDS = 2.0  # for the finished job's last threads to end before the supervisor lingers
_in_warm_child = False  # set in a command's process forked from a warm one: its job's supervisor will not linger


def after_job() -> Callable[[], None] | None:
    """What a detached supervisor of this `byoc` does once its job has ended: linger, warm, with the fingerprint of
    this process, taken now (before the fork, so it is of the launcher files loaded here). None where it will
    not: warm starts turned off, a working folder that was removed, or a command that itself started warm (its
    frames sit on the warm process's: each generation lingering would stack on the last)."""
    if _in_warm_child or warm_seconds() <= 0:
        return None
    try:
        return functools.partial(linger, fingerprint())
    except OSError:
        return None


def network_pool(after: Callable[[], None] | None) -> str | None:
    """The pool this `byoc`'s jobs keep their networks in (launcher/local/network_pool.py), when a warm process will
    be there to remove them: the job's supervisor lingers (`after`, from `after_job`), or this command runs in a
    warm process's child. None otherwise: each job removes its own network."""
    if warm_seconds() <= 0 or (after is None and not _in_warm_child):
        return None
    from launcher.local.network_pool import pool_name

    return pool_name()


def linger(key: str) -> None:
    """In a CLI job's supervisor whose job has ended: run warm commands until none came for `warm_seconds()`."""
    seconds = warm_seconds()
    if seconds <= 0 or not _alone():
        return
    _quiet()
    listener = _claim(key)
    if listener is None:
        return
    try:
        with listener:
            _Warm(key, listener).serve(seconds)
    except _Retired:
        pass
    finally:
        _drain_network_pool()


class _Retired(BaseException):
    """SIGTERM to the warm process: it retires as when its time is up. Not an Exception, so that no `except
    Exception` on the way (docker-py's, in a refresh of the engine's info) can take it for an error."""


def _retire_now(signum: int, _: object) -> NoReturn:
    raise _Retired(signum)


def _drain_network_pool() -> None:
    """Remove the networks kept for this process's jobs (launcher/local/network_pool.py) as it retires; those a
    job still holds stay for the next warm process of the pool."""
    from launcher.local.cluster import drain_pool, engine
    from launcher.local.network_pool import pool_name

    with contextlib.suppress(Exception):  # an engine gone or failing: a retiring process has no one to tell
        client = engine(timeout=DRAIN_TIMEOUT_SECONDS)
        try:
            drain_pool(client, pool_name())
        finally:
            client.close()


def _quiet() -> None:
    """Hold nothing of the `byoc` this process was forked from while it waits: not the finished job's
    supervisor.log (stdio goes to /dev/null), not its working folder, and no descriptor inherited through exec
    from whoever started that `byoc` (a lock a script holds on fd 9 is free once its job has ended). Those are
    the only inheritable descriptors above stderr: Python opens its own non-inheritable (PEP 446)."""
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(null, stream)
    os.close(null)
    os.chdir("/")  # each command gets its client's folder
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if int(name) > 2 and os.get_inheritable(int(name)):
                os.close(int(name))


def _alone() -> bool:
    """Whether this process's other threads have all ended (a process is forked safely only then)."""
    deadline = time.monotonic() + ALONE_TIMEOUT_SECONDS
    while threading.active_count() > 1:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _claim(key: str) -> socket.socket | None:
    """This user's address, taken from a warm process of another environment; None if one of ours holds it, or
    the address is held by a process that is not this user's."""
    for _ in range(50):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(address())
        except OSError as error:
            listener.close()
            if error.errno != errno.EADDRINUSE:
                return None
        else:
            listener.listen(16)
            listener.settimeout(POLL_SECONDS)
            return listener
        if ask_to_retire(key) in ("staying", "foreign"):
            return None
        time.sleep(0.02)  # it is leaving: try again
    return None


class _Warm:
    def __init__(self, key: str, listener: socket.socket) -> None:
        self.key = key
        self.listener = listener
        self.children: set[int] = set()  # the commands running, each in a child

    def serve(self, seconds: float) -> None:
        from typer.main import get_command

        from launcher.cli.app import app
        from launcher.local.cluster import refresh_engine_info

        command = get_command(app)  # built once, for every command run here
        signal.signal(signal.SIGTERM, _retire_now)
        gc.collect()
        gc.freeze()  # what is here now is shared with every child, not copied by its collections
        last = time.monotonic()
        while time.monotonic() - last < seconds:
            if self._reap():
                last = time.monotonic()  # a command still runs (a long job followed): not idle
            if not select.select([self.listener], [], [], 0)[0]:  # no client waits: keep the engine's info fresh
                refresh_engine_info()  # for the commands forked from here (every few seconds; bounded)
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                served = self._answer(connection, command)
            if served is None:
                return
            if served:
                last = time.monotonic()

    def _reap(self) -> bool:
        """Reap the commands that have ended; whether any still runs."""
        while self.children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                break
            if pid == 0:
                break
            self.children.discard(pid)
        return bool(self.children)

    def _answer(self, connection: socket.socket, command: Any) -> bool | None:
        """Serve one client: True once a child was forked for its command, False if none was, None if told to
        retire."""
        connection.settimeout(REPLY_TIMEOUT_SECONDS)
        streams: list[int] = []
        try:
            if not is_ours(connection):
                return False
            request, streams = receive_with_streams(connection)
            if "retire" in request:
                stays = request["retire"] == self.key
                connection.sendall(frame({"staying": stays}))
                return False if stays else None
            if request.get("key") != self.key or len(streams) != 3 or not _is_request(request):
                connection.sendall(frame({"declined": "another environment"}))
                return False
            child = os.fork()
            if child == 0:
                _child(connection, streams, self.listener, command, request)
            self.children.add(child)
            return True
        except (OSError, ValueError, EOFError):
            return False
        finally:
            for stream in streams:
                os.close(stream)


def _is_request(request: dict[str, Any]) -> bool:
    argv = request.get("argv")
    return (isinstance(argv, list) and all(isinstance(arg, str) for arg in argv)
            and isinstance(request.get("cwd"), str) and isinstance(request.get("ignore_sigint"), bool))


def _child(connection: socket.socket, streams: list[int], listener: socket.socket, command: Any,
           request: dict[str, Any]) -> NoReturn:
    """The forked child: become the client's `byoc` on its streams and in its folder, run its command once the
    client says go, send back the exit code. Until then, anything that goes wrong leaves quietly: the client runs
    the command itself."""
    global _in_warm_child
    from launcher.cli import install_interrupts, run_command
    from launcher.cli.consoles import redetect

    _in_warm_child = True
    code = 1
    try:
        listener.close()
        os.chdir(request["cwd"])
        for target, stream in zip((0, 1, 2), streams, strict=True):
            os.dup2(stream, target)
            os.close(stream)
        signal.signal(signal.SIGINT, signal.SIG_IGN if request["ignore_sigint"] else signal.default_int_handler)
        install_interrupts()  # before the pid goes out: the client forwards signals from then on
        _leave_with_client(connection)
        connection.sendall(frame({"pid": os.getpid()}))
        if not receive(connection).get("go"):
            raise EOFError("no go")
        _leave_if_closed(connection)  # the client may have gone since it said go, with no SIGIO left to come
    except BaseException:
        os._exit(1)
    try:
        _new_standard_streams()
        redetect()
        sys.argv = list(request["argv"])
        code = run_command(lambda: command(args=sys.argv[1:]))
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            connection.sendall(CODE.pack(code))
        os._exit(code)


def _leave_with_client(connection: socket.socket) -> None:
    """If the client is killed, end this process too (SIGIO on its end closing), as a killed cold `byoc` ends; and
    let no process forked from this one (the job's supervisor) keep the client's connection open."""

    os.register_at_fork(after_in_child=connection.close)
    signal.signal(signal.SIGIO, lambda *_: _leave_if_closed(connection))
    fcntl.fcntl(connection.fileno(), fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(connection.fileno(), fcntl.F_SETFL, fcntl.fcntl(connection.fileno(), fcntl.F_GETFL) | os.O_ASYNC)
    _leave_if_closed(connection)  # it may have closed before SIGIO was armed


def _leave_if_closed(connection: socket.socket) -> None:
    with contextlib.suppress(OSError, ValueError):
        if select.select([connection], [], [], 0)[0] and not connection.recv(1, socket.MSG_PEEK):
            os._exit(1)


def _new_standard_streams() -> None:
    """sys.stdin, stdout and stderr for the streams now at 0, 1 and 2, made as Python makes them at start-up."""
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding, errors)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding, errors,
                                  line_buffering=os.isatty(1))
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding, "backslashreplace",
                                  line_buffering=True)
