"""The client half of a warm `byoc run` (warm.py): hand the command line and its streams to a warm process.

Imported before anything else by `byoc`'s entry point, so only light modules of the standard library: the
point is to start in a few hundredths of a second.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import struct
import sys

TYPE_CHECKING = False  # not typing's: importing typing alone takes longer than the rest of this module
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

SECONDS_ENV = "BYOC_WARM_SECONDS"
DEFAULT_SECONDS = 600.0
WARM_COMMANDS = ("run",)
REPLY_TIMEOUT_SECONDS = 10.0  # to be answered by a warm process: it answers between two polls
_LENGTH = struct.Struct("!I")
CODE = struct.Struct("!i")
_PEER = struct.Struct("3i")  # struct ucred: pid, uid, gid
_LIMITS = (resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC, resource.RLIMIT_AS, resource.RLIMIT_FSIZE,
           resource.RLIMIT_CORE, resource.RLIMIT_STACK)
_LAUNCHER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warm_seconds() -> float:
    try:
        return float(os.environ.get(SECONDS_ENV, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def fingerprint() -> str:
    """All a command's run depends on besides its arguments: processes with equal fingerprints run it alike. It
    holds the environment, so it only ever goes to a process of this user."""
    mask = os.umask(0o22)
    os.umask(mask)
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as cgroup:
            group = cgroup.read()
    except OSError:
        group = ""
    here = os.stat(".")  # a folder removed and made again under the same name is another folder
    return repr((sys.executable, sys.version, os.getcwd(), here.st_dev, here.st_ino, os.getuid(), os.getgid(),
                 sorted(os.getgroups()), mask,
                 [resource.getrlimit(limit) for limit in _LIMITS], group,
                 sorted((name, value) for name, value in os.environ.items() if name != "_"),  # bash: the command
                 _launcher_files(), [_modified(entry) for entry in sys.path]))


def _launcher_files() -> list[tuple[str, int, int]]:
    found = []
    for root, dirs, files in os.walk(_LAUNCHER):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            found.append((path, info.st_size, info.st_mtime_ns))
    return sorted(found)


def _modified(folder: str) -> int:
    """A sys.path folder's time: a package installed or removed there changes it."""
    try:
        return os.stat(folder or ".").st_mtime_ns
    except OSError:
        return 0


def hand_over(argv: list[str]) -> int | None:
    """Run `argv` in this user's warm `byoc`; its exit code, or None to run it here (no warm process of this
    environment, or not a warm command)."""
    if len(argv) < 2 or argv[1] not in WARM_COMMANDS or warm_seconds() <= 0:
        return None
    try:
        for stream in (0, 1, 2):
            os.fstat(stream)
    except OSError:
        return None
    runner = _Runner()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.settimeout(REPLY_TIMEOUT_SECONDS)
            connection.connect(address())
            if peer_uid(connection) != os.getuid():
                return None  # someone else's: run cold
            runner.catch_signals()
            socket.send_fds(connection, [frame({"key": fingerprint(), "argv": argv})], [0, 1, 2])
            reply = receive(connection)
        except (OSError, ValueError, EOFError):
            runner.cold()  # nothing ran there: nothing has been answered yet
            return None
        pid = reply.get("pid")
        if not isinstance(pid, int):
            runner.cold()  # another environment's
            return None
        runner.found(pid)
        connection.settimeout(None)
        try:
            (code,) = CODE.unpack(read(connection, CODE.size))
        except (OSError, EOFError):
            sys.stderr.write(f"byoc: the warm process that ran this command (pid {pid}) ended without an exit "
                             "code\n")
            return 1
        return int(code)


class _Runner:
    """The process running the command: the signals that end `byoc` go to it, once it is known (those that come
    before are held); if it never is, the command runs here, and they are raised here."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.pid: int | None = None
        self.held: list[int] = []
        self.before: dict[int, Any] = {}

    def catch_signals(self) -> None:
        for signum in self.SIGNALS:
            self.before[signum] = signal.signal(signum, self._forward)

    def found(self, pid: int) -> None:
        self.pid = pid
        for signum in self.held:
            self._forward(signum, None)

    def cold(self) -> None:
        for signum, handler in self.before.items():
            signal.signal(signum, handler)
        for signum in self.held:
            os.kill(os.getpid(), signum)

    def _forward(self, signum: int, _: FrameType | None) -> None:
        if self.pid is None:
            self.held.append(signum)
            return
        try:  # noqa: SIM105 - contextlib would be one more import before the command can start
            os.kill(self.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def retire() -> bool:
    """Ask this user's warm `byoc` to leave now; whether there was one."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(REPLY_TIMEOUT_SECONDS)
            connection.connect(address())
            connection.sendall(frame({"retire": ""}))
            return "staying" in receive(connection)
    except (OSError, ValueError, EOFError):
        return False


# --- the wire: length-prefixed JSON on a unix socket of the abstract namespace (no file anywhere) -----------


def address() -> str:
    return f"\0byoc-warm-{os.getuid()}"


def peer_uid(connection: socket.socket) -> int:
    _, uid, _ = _PEER.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER.size))
    return int(uid)


def frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message).encode()
    return _LENGTH.pack(len(data)) + data


def receive(connection: socket.socket) -> dict[str, Any]:
    (length,) = _LENGTH.unpack(read(connection, _LENGTH.size))
    return message(read(connection, length))


def receive_with_streams(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """A message sent with `socket.send_fds`, and the descriptors that came with it (the caller's to close)."""
    data, streams, _, _ = socket.recv_fds(connection, 1 << 16, 3)
    try:
        if len(data) < _LENGTH.size:
            raise EOFError("the client sent no message")
        (length,) = _LENGTH.unpack(data[:_LENGTH.size])
        body = data[_LENGTH.size:]
        return message(body + read(connection, length - len(body))), list(streams)
    except (OSError, ValueError, EOFError):
        for stream in streams:
            os.close(stream)
        raise


def message(data: bytes) -> dict[str, Any]:
    found = json.loads(data)
    if not isinstance(found, dict):
        raise ValueError("not a message")
    return found


def read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return data
