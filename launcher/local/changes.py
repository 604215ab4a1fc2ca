"""A follower's pause that ends as soon as the job's record changes, so a job's end shows at once.

A follower reads the job's record and its hosts' events files, then pauses. Paused for a fixed time, it
sees a job's end on average half a pause late (10 ms of a 20 ms poll, a tenth of a short job's own
overhead). Every save of the record renames a new file into the job folder, so an inotify watch on that
folder wakes the follower when the record changes. The pause never ends sooner than `MIN_PAUSE_SECONDS`
after the last one (a record saved many times a second is not read as often), and always ends after its
time: lines in the events files, and a folder the kernel cannot watch (a network filesystem, the watch
limit reached), are followed by polling, as before.
"""

from __future__ import annotations

import contextlib
import time
from types import TracebackType

from inotify_simple import INotify, flags

from launcher.local.watches import close_soon
from launcher.local.workspace import JobWorkspace

MIN_PAUSE_SECONDS = 0.005


class RecordChanges:
    """`pause(seconds)` returns after `seconds`, or sooner once the job's record was saved; `close()` ends the watch."""

    def __init__(self, workspace: JobWorkspace) -> None:
        self._inotify: INotify | None = None
        self._last = time.monotonic()
        with contextlib.suppress(OSError):  # no inotify, the instance or watch limit reached: polling only
            inotify = INotify()
            try:
                inotify.add_watch(workspace.folder, flags.MOVED_TO | flags.ONLYDIR)
            except OSError:
                inotify.close()
                raise
            self._inotify = inotify

    def __enter__(self) -> RecordChanges:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def pause(self, seconds: float) -> None:
        if self._inotify is None:
            time.sleep(seconds)
            return
        time.sleep(max(0.0, self._last + MIN_PAUSE_SECONDS - time.monotonic()))
        self._inotify.read(timeout=round(seconds * 1000))  # which file moved in does not matter: all is read again
        self._last = time.monotonic()

    def close(self) -> None:
        if self._inotify is not None:
            close_soon(self._inotify)
            self._inotify = None
