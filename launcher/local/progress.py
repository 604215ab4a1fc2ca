"""Counts of what a transfer has moved, for the job record: the bars and lines `byoc run` draws come from there.

The supervisor moves the data and the CLI runs in another process, so the record (job.json) is the
only way the counts travel: each Meter passes its counts to the keeper, which saves them at most
every half second and once more when a transfer is complete (keeper.py). boto3 reports bytes from
its worker threads, so a Meter counts under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Report = Callable[[int, int, int, int], None]
"""Called with (objects done, objects in all, bytes done, bytes in all)."""


class Meter:
    """One input's (or output's) objects and bytes: expected, then moved."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._lock = threading.Lock()
        self.objects = self.total_objects = self.bytes = self.total_bytes = 0

    def expect(self, objects: int, nbytes: int) -> None:
        with self._lock:
            self.total_objects += objects
            self.total_bytes += nbytes
            self._send()

    def moved(self, nbytes: int) -> None:
        with self._lock:
            self.bytes += nbytes
            self._send()

    def finished(self) -> None:
        """One more object whole at its target."""
        with self._lock:
            self.objects += 1
            self._send()

    def _send(self) -> None:
        self._report(self.objects, self.total_objects, self.bytes, self.total_bytes)


Meters = Callable[[str], Meter]
"""The Meter of an input, by its name."""


def unmetered(_: str) -> Meter:
    """Meters that report to no one (callers that show no progress)."""
    return Meter(lambda *_: None)
