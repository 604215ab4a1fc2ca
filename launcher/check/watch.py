"""Which files the hosts of a job read under /opt/ml, seen from the host side of the bind mount.

Each host's /opt/ml is a folder of the job's (`hosts/algo-i/ml`), and the kernel reports a container's
reads of a bind-mounted file to an inotify watch on the host folder like any other read (a read is an
IN_ACCESS, or an IN_CLOSE_NOWRITE: a file opened to read and closed; the second is what the kernel reports
for a reader of a Pipe-mode FIFO, whose reads make no IN_ACCESS on recent kernels). The watch is
set on the jobs folder before the job is submitted and follows every folder created under it, so the
inputs are watched before any container starts. The launcher itself reads only outputs and the exit
message under those folders, so a read of an input is the job's. The local backend calls `watch(job
folder)` once the hosts' folders are staged and before any container starts, so no read can come before
its folder is watched, however late this thread runs.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from inotify_simple import INotify, flags

from launcher.local.workspace import CONTAINER_ML

_DIR_EVENTS = flags.CREATE | flags.MOVED_TO
_READ_EVENTS = flags.ACCESS | flags.CLOSE_NOWRITE
_MASK = _READ_EVENTS | _DIR_EVENTS | flags.ONLYDIR
POLL_MILLISECONDS = 20


@dataclass(frozen=True, slots=True)
class Reads:
    """Container paths each host read (files and FIFOs, not folder listings); `complete` False when the
    kernel's event queue overflowed and some reads may be missing."""

    by_host: Mapping[str, frozenset[str]]
    complete: bool = True

    def readers(self, folder: str) -> list[str]:
        """The hosts that read some file under the container folder `folder`."""
        prefix = folder.rstrip("/") + "/"
        return sorted(host for host, paths in self.by_host.items() if any(p.startswith(prefix) for p in paths))


class ReadWatcher:
    """Watches `jobs_dir` while it is open; `reads(job_folder)` maps what was read to hosts and container paths."""

    def __init__(self, jobs_dir: Path) -> None:
        self.jobs_dir = jobs_dir
        self._inotify = INotify()
        self._folders: dict[int, Path] = {}
        self._read: set[Path] = set()
        self._overflowed = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="check-reads", daemon=True)

    def __enter__(self) -> ReadWatcher:
        self._watch_tree(self.jobs_dir)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._inotify.close()

    def watch(self, folder: Path) -> None:
        """Watch `folder` and everything below it now (`LocalOptions.on_staged`)."""
        with self._lock:
            self._watch_tree(folder)

    def reads(self, job_folder: Path) -> Reads:
        """What each host of the job read so far (call once the job has ended)."""
        with self._lock:
            self._drain()
            read = set(self._read)
        by_host: dict[str, set[str]] = defaultdict(set)
        hosts = job_folder / "hosts"
        for path in read:
            try:
                host, inside = path.relative_to(hosts).parts[0], path.relative_to(hosts).parts[1:]
            except (ValueError, IndexError):
                continue
            if inside and inside[0] == "ml":
                by_host[host].add(str(CONTAINER_ML.joinpath(*inside[1:])))
        return Reads({host: frozenset(paths) for host, paths in by_host.items()}, complete=not self._overflowed)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._drain(timeout=POLL_MILLISECONDS)

    def _drain(self, timeout: int = 0) -> None:
        for event in self._inotify.read(timeout=timeout):
            if event.mask & flags.Q_OVERFLOW:
                self._overflowed = True
                continue
            folder = self._folders.get(event.wd)
            if folder is None or not event.name:
                continue
            path = folder / event.name
            if event.mask & flags.ISDIR:
                if event.mask & _DIR_EVENTS:
                    self._watch_tree(path)
            elif event.mask & _READ_EVENTS:
                self._read.add(path)

    def _watch_tree(self, top: Path) -> None:
        """Watch `top` and every folder below it; a folder made between the two is caught by the walk."""
        for folder, _, _ in os.walk(top):
            try:
                self._folders[self._inotify.add_watch(folder, _MASK)] = Path(folder)
            except (FileNotFoundError, NotADirectoryError):
                continue
