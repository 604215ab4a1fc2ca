"""Whether each host opened any file of each File-mode input it was given, while the job ran.

Each host's /opt/ml is a bind mount of its folder in the job folder, and the kernel reports a container's
open of a bind-mounted file to an inotify watch on the host side like any other open (IN_OPEN: a read, an
mmap, an exec; a folder listing carries IN_ISDIR and is not counted). Opens are what can be told cheaply
and reliably: access times are not (relatime, noatime), and fanotify needs CAP_SYS_ADMIN.

The watches are set after staging and before the containers start, so the launcher's own writes are not
seen, and nothing of the launcher opens an input while the job runs. A host's watches on an input are
removed at its first open: the answer is known, and a job reading a million files costs one event.
Where the kernel could not tell (a full watch table, an overflowed event queue) the answer is None, and
nothing is said about that input. Pipe inputs are the feeder's to tell (a writer that got a reader).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from inotify_simple import INotify, flags

from launcher.definition import ProcessingInput
from launcher.local.watches import close_soon
from launcher.local.workspace import JobWorkspace
from launcher.storage.listing import SourceObject

Key = tuple[str, str]  # (input name, host)


def file_input_folders(inputs: tuple[ProcessingInput, ...], plans: Mapping[str, Mapping[str, list[SourceObject]]],
                       workspace: JobWorkspace) -> dict[Key, Path]:
    """The host folder of every File-mode input on every host that was given objects of it."""
    folders = {}
    for item in inputs:
        if item.s3_input_mode != "File" or item.input_name is None or item.destination is None:
            continue
        for host, objects in plans.get(item.input_name, {}).items():
            if objects:
                folders[(item.input_name, host)] = workspace.host_path(host, item.destination)
    return folders


class OpenWatch:
    """Watches the given folders (and the folders below them) from `__enter__` to `__exit__`."""

    def __init__(self, folders: Mapping[Key, Path]) -> None:
        self.folders = dict(folders)
        self._opened: set[Key] = set()
        self._unknown: set[Key] = set()
        self._overflowed = False
        self._watches: dict[int, Key] = {}
        self._inotify: INotify | None = None
        self._wake: tuple[int, int] | None = None  # a pipe: a byte in it ends the thread's wait at once
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="input-opens", daemon=True)

    def __enter__(self) -> OpenWatch:
        if not self.folders:
            return self
        try:
            self._inotify = INotify()
        except OSError:  # no inotify, or the per-user instance limit reached
            self._unknown.update(self.folders)
            return self
        roots = {str(folder) for folder in self.folders.values()}
        for key, folder in self.folders.items():
            self._watch_tree(key, folder, roots)
        self._wake = os.pipe()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._inotify is None:
            return
        if self._wake is not None:
            os.write(self._wake[1], b"!")  # the job's end is not kept waiting for a poll to time out
            self._thread.join()
            for end in self._wake:
                os.close(end)
            self._wake = None
        with self._lock:
            self._drain()
        close_soon(self._inotify)
        self._inotify = None

    def opened(self) -> dict[Key, bool | None]:
        """Per (input, host): True if some file was opened, False if none, None if the kernel could not tell."""
        with self._lock:
            return {key: True if key in self._opened else None if key in self._unknown or self._overflowed else False
                    for key in self.folders}

    def _watch_tree(self, key: Key, top: Path, roots: set[str]) -> None:
        assert self._inotify is not None
        for folder, subfolders, _ in os.walk(top):
            subfolders[:] = [name for name in subfolders if os.path.join(folder, name) not in roots]
            try:
                self._watches[self._inotify.add_watch(folder, flags.OPEN | flags.ONLYDIR)] = key
            except OSError:  # ENOSPC: the user's watch limit (fs.inotify.max_user_watches)
                self._unknown.add(key)
                return

    def _loop(self) -> None:
        assert self._inotify is not None and self._wake is not None
        waiting = select.poll()
        waiting.register(self._inotify.fileno(), select.POLLIN)
        waiting.register(self._wake[0], select.POLLIN)
        while not any(fd == self._wake[0] for fd, _ in waiting.poll()):
            with self._lock:
                self._drain()

    def _drain(self) -> None:
        """Take the events the kernel holds, without waiting for more."""
        assert self._inotify is not None
        for event in self._inotify.read(timeout=0):
            if event.mask & flags.Q_OVERFLOW:
                self._overflowed = True
                continue
            key = self._watches.get(event.wd)
            if key is None or not event.mask & flags.OPEN or event.mask & flags.ISDIR:
                continue
            self._opened.add(key)
            self._unwatch(key)

    def _unwatch(self, key: Key) -> None:
        assert self._inotify is not None
        for wd in [wd for wd, owner in self._watches.items() if owner == key]:
            del self._watches[wd]
            with contextlib.suppress(OSError):
                self._inotify.rm_watch(wd)
