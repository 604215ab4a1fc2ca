"""The client half of a warm `byoc run` (warm.py): hand the command line and its streams to a warm process.

Imported before anything else by `byoc`'s entry point, so only modules of the standard library written in C
(and struct): the point is to start in a few hundredths of a second, and json, socket, signal and hashlib
would each take longer to import than all the rest (they import re, enum, functools, OpenSSL). So _socket,
_signal and _blake2, the C modules under socket, signal and hashlib.

The exchange, on a unix socket of the abstract namespace (no file anywhere), each message a length-prefixed
`marshal` of a dict of plain values (format 4, read alike by every Python the launcher supports), once each
side has checked that the other is a process of its own user in its own namespaces:
    client -> warm   {"key", "argv", "cwd", "ignore_sigint"} with stdin, stdout and stderr attached
    warm   -> client {"pid"} from the child that will run the command (or {"declined"}: run it cold)
    client -> warm   {"go"}: the child runs the command; without it (the client gone, or gone cold) it leaves
    warm   -> client the exit code, 4 bytes
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # no stub; the C module under signal, which imports enum
import _socket
import marshal
import os
import resource
import struct
import sys
from _blake2 import blake2b

TYPE_CHECKING = False  # not typing's: importing typing alone takes longer than the rest of this module
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

SECONDS_ENV = "BYOC_WARM_SECONDS"
DEFAULT_SECONDS = 600.0
WARM_COMMANDS = ("run",)
REPLY_TIMEOUT_SECONDS = 10.0  # to be answered by a warm process: it answers between two polls
CODE = struct.Struct("!i")
_LENGTH = struct.Struct("!I")
_PEER = struct.Struct("3i")  # struct ucred: pid, uid, gid
_FD = struct.Struct("i")
_NAMESPACES = ("mnt", "pid", "user", "net", "ipc", "uts", "cgroup")
# A sandbox the client runs in (no new privileges, seccomp, fewer capabilities; an LSM label is read apart)
_CONFINEMENT = ("NoNewPrivs:", "Seccomp:", "Seccomp_filters:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:",
                "CapAmb:")
_SHELL_ONLY = frozenset({"_", "OLDPWD"})  # bash's last command and previous folder: nothing of a job reads them
_LAUNCHER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warm_seconds() -> float:
    try:
        return float(os.environ.get(SECONDS_ENV, DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def fingerprint() -> str:
    """A digest of all a command's run depends on besides its arguments (the environment's variables among it, so
    only a digest goes over the socket): processes with equal fingerprints run it alike. Raises OSError where it
    cannot be taken (a working folder that was removed)."""
    mask = os.umask(0o22)
    os.umask(mask)
    here = os.stat(".")  # a folder removed and made again under the same name is another folder
    confinement = [line for line in _read("/proc/self/status").splitlines() if line.startswith(_CONFINEMENT)]
    world = (os.readlink("/proc/self/root"), [_namespace("self", name) for name in _NAMESPACES],
             _read("/proc/self/cgroup"), _read("/proc/self/oom_score_adj"), confinement,
             _read("/proc/self/attr/current"))
    process = (os.getuid(), os.getgid(), sorted(os.getgroups()), mask, os.getpriority(os.PRIO_PROCESS, 0),
               sorted(os.sched_getaffinity(0)),
               [resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource))
                if name.startswith("RLIMIT_")])
    material = repr((sys.executable, sys.version, os.getcwd(), here.st_dev, here.st_ino, world, process,
                     sorted((name, value) for name, value in os.environ.items() if name not in _SHELL_ONLY),
                     _launcher_files(), [_modified(entry) for entry in sys.path]))
    return blake2b(material.encode(), digest_size=32).hexdigest()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError:
        return ""


def _namespace(pid: str, name: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/{name}")
    except OSError:
        return ""


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
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            connection.settimeout(REPLY_TIMEOUT_SECONDS)
            connection.connect(address())
            if not is_ours(connection):
                return None  # someone else's: run cold
            # Taken only once a warm process of ours answers: a cold run with none pays nothing for it
            request = {"key": fingerprint(), "argv": argv, "cwd": os.getcwd(),
                       "ignore_sigint": _signal.getsignal(_signal.SIGINT) == _signal.SIG_IGN}
            runner.catch_signals()
            send_with_streams(connection, frame(request), (0, 1, 2))
            pid = receive(connection).get("pid")
            if not isinstance(pid, int):
                raise ValueError("declined: another environment's")
            runner.found(pid)  # a signal before this point: no go, the command runs here and meets it
            connection.sendall(frame({"go": True}))
        except (OSError, ValueError, EOFError, _Held):
            runner.cold()  # no "go" was sent: nothing runs there
            return None
        runner.started()
        connection.settimeout(None)
        try:
            (code,) = CODE.unpack(read(connection, CODE.size))
        except (OSError, EOFError):
            sys.stderr.write(f"byoc: the warm process that ran this command (pid {pid}) ended without an exit "
                             "code\n")
            return 1
        return int(code)
    finally:
        connection.close()


class _Held(Exception):
    """A signal came before the command's process was known: the command is not handed over."""


class _Runner:
    """The process running the command: the signals that end `byoc` go to it once it is known (through a pidfd,
    so never to a process that reused its pid); one that comes before stops the hand-over, and the command runs
    here and meets it. A signal this process ignores (SIGINT in a background job of a script) is not caught:
    the command ignores it too."""

    SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)

    def __init__(self) -> None:
        self.pidfd: int | None = None
        self.live = False  # the go was sent
        self.held: list[int] = []
        self.before: dict[int, Any] = {}

    def catch_signals(self) -> None:
        for signum in self.SIGNALS:
            if _signal.getsignal(signum) != _signal.SIG_IGN:
                self.before[signum] = _signal.signal(signum, self._forward)

    def found(self, pid: int) -> None:
        if self.held:
            raise _Held(self.held[0])
        self.pidfd = os.pidfd_open(pid)

    def started(self) -> None:
        """The go was sent: signals held since `found` go to the command now."""
        self.live = True
        for signum in self.held:
            self._forward(signum, None)

    def cold(self) -> None:
        for signum, handler in self.before.items():
            _signal.signal(signum, handler)
        if self.pidfd is not None:
            os.close(self.pidfd)
        for signum in self.held:
            os.kill(os.getpid(), signum)

    def _forward(self, signum: int, _: FrameType | None) -> None:
        if self.pidfd is None:
            self.held.append(signum)
            raise _Held(signum)  # stops the wait for the pid at once
        if not self.live:
            self.held.append(signum)  # the go is on its way: sent once it is
            return
        try:  # noqa: SIM105 - contextlib would be one more import before the command can start
            _signal.pidfd_send_signal(self.pidfd, signum)
        except (ProcessLookupError, PermissionError):
            pass


def retire() -> bool:
    """Ask this user's warm `byoc` (of this Python) to leave now; whether there was one."""
    return ask_to_retire("") == "leaving"


def ask_to_retire(key: str) -> str:
    """Ask the warm `byoc` at this user's address to leave unless its fingerprint is `key`. Its answer, "staying"
    or "leaving"; "foreign" if the address is held by a process of another user or namespaces (it is sent
    nothing); "none" if nobody answered."""
    try:
        connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:  # out of descriptors
        return "none"
    try:
        connection.settimeout(REPLY_TIMEOUT_SECONDS)
        connection.connect(address())
        if not is_ours(connection):
            return "foreign"
        connection.sendall(frame({"retire": key}))
        return "staying" if receive(connection).get("staying") else "leaving"
    except (OSError, ValueError, EOFError):
        return "none"
    finally:
        connection.close()


# --- the wire ------------------------------------------------------------------------------------------------


def address() -> str:
    """This user's address for warm processes of this Python installation (each venv has its own)."""
    return f"\0byoc-warm-{os.getuid()}-{blake2b(sys.prefix.encode(), digest_size=8).hexdigest()}"


def is_ours(connection: _socket.socket) -> bool:
    """Whether the other end is a process of this user in this process's namespaces (not, say, a container's
    root with the host's network, which shares the abstract socket namespace but not this machine's files)."""
    pid, uid, _ = _PEER.unpack(connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, _PEER.size))
    if uid != os.getuid() or pid <= 0:
        return False
    return all(_namespace(str(pid), name) == _namespace("self", name) != "" for name in ("mnt", "pid", "user"))


def frame(message: dict[str, Any]) -> bytes:
    data = marshal.dumps(message)
    return _LENGTH.pack(len(data)) + data


def receive(connection: _socket.socket) -> dict[str, Any]:
    (length,) = _LENGTH.unpack(read(connection, _LENGTH.size))
    return message(read(connection, length))


def send_with_streams(connection: _socket.socket, data: bytes, streams: tuple[int, ...]) -> None:
    """`data` with the descriptors `streams` attached (SCM_RIGHTS), as socket.send_fds sends them."""
    rights = struct.pack(f"{len(streams)}i", *streams)
    sent = connection.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    connection.sendall(data[sent:])


def receive_with_streams(connection: _socket.socket) -> tuple[dict[str, Any], list[int]]:
    """A message sent by `send_with_streams`, and the descriptors that came with it (the caller's to close)."""
    data, ancillary, _, _ = connection.recvmsg(1 << 16, _socket.CMSG_LEN(3 * _FD.size))
    streams = [fd for level, kind, rights in ancillary if (level, kind) == (_socket.SOL_SOCKET, _socket.SCM_RIGHTS)
               for (fd,) in _FD.iter_unpack(rights[:len(rights) - len(rights) % _FD.size])]
    try:
        if len(data) < _LENGTH.size:
            raise EOFError("the client sent no message")
        (length,) = _LENGTH.unpack(data[:_LENGTH.size])
        body = data[_LENGTH.size:]
        return message(body + read(connection, length - len(body))), list(streams)
    except BaseException:
        for stream in streams:
            os.close(stream)
        raise


def message(data: bytes) -> dict[str, Any]:
    """A received message; ValueError or EOFError for anything else."""
    try:
        found = marshal.loads(data)
    except (TypeError, MemoryError) as error:  # an unhashable key, a length beyond memory
        raise ValueError(f"not a message: {error}") from None
    if not isinstance(found, dict):
        raise ValueError("not a message")
    return found


def read(connection: _socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return data
