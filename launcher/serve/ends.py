"""The server's console line for each job it ran, as the job ends: its status, and the hints and warnings
(JobStatus) that a DescribeProcessingJob answer has no member for. FailureReason and ExitMessage stay the
service's; a client sees those, and whoever watches `byoc serve` (or runs `byoc describe JOB`) sees the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from launcher.backend import Backend, JobStatus
from launcher.errors import JobNotFoundError

POLL_SECONDS = 1.0
INDENT = "    "


def end_lines(status: JobStatus) -> list[str]:
    """`<job> <status>`, then one `hint:` or `warning:` per item, their later lines indented under them."""
    lines = [f"{status.job_name} {status.status}"]
    for label, items in (("hint", status.hints), ("warning", status.warnings)):
        for item in items:
            first, *rest = item.split("\n")
            lines.append(f"{status.job_name} {label}: {first}")
            lines.extend(f"{INDENT}{line}" for line in rest)
    return lines


class EndReporter:
    """Watches the jobs `names()` returns and gives `say` the lines of each, once, when it has ended."""

    def __init__(self, backend: Backend, names: Callable[[], list[str]], say: Callable[[str], None],
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.backend = backend
        self.names = names
        self.say = say
        self.poll_seconds = poll_seconds
        self._reported: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="serve-job-ends", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Report what has ended by now, then stop watching."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.report()

    def report(self) -> None:
        for name in list(self.names()):
            if name in self._reported:
                continue
            try:
                status = self.backend.describe(name)
            except JobNotFoundError:  # deleted meanwhile
                self._reported.add(name)
                continue
            if status.is_terminal:
                self._reported.add(name)
                for line in end_lines(status):
                    self.say(line)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.report()
