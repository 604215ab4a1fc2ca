"""A job's transfers as they go, on stderr: one rich bar per input being staged and per output being uploaded
(bytes and objects, rate, time left) on a terminal; elsewhere (a log, a pipe) one line each time a
transfer passes another tenth.

The job runs in its backend, not in this process (a local job under its detached supervisor), so the
counts are the ones the backend publishes in JobStatus.inputs and .outputs, read with `describe` every
POLL_SECONDS while the job's lines are followed, from a backend that says it publishes them
(`reports_transfers`: not SageMaker, whose API has no such counts and would only be asked in vain).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from launcher.backend import Backend, JobStatus
from launcher.errors import LauncherError

POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Transfer:
    """One input's staging or one output's upload, as far as it went."""

    label: str  # "staging input data", "uploading output out"
    objects: int
    total_objects: int
    bytes: int
    total_bytes: int

    @property
    def tenths(self) -> int:
        """How many tenths are done (10 once complete)."""
        if self.total_bytes:
            return min(10, self.bytes * 10 // self.total_bytes)
        return 10 if self.objects >= self.total_objects else 0


def transfers(status: JobStatus) -> Iterator[Transfer]:
    for staged in status.inputs:
        yield Transfer(f"staging input {staged.name}", staged.staged, staged.total, staged.staged_bytes,
                       staged.total_bytes)
    for output in status.outputs:
        if output.uploaded is not None and output.total is not None and output.total_bytes is not None:
            yield Transfer(f"uploading output {output.name}", output.uploaded, output.total,
                           output.uploaded_bytes or 0, output.total_bytes)


class TransferView:
    """Draws what `show` is given: bars on a terminal, lines per tenth elsewhere."""

    def __init__(self, err: Console) -> None:
        self.err = err
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._tenths: dict[str, int] = {}

    def show(self, status: JobStatus) -> None:
        for transfer in transfers(status):
            if self.err.is_terminal:
                self._bar(transfer)
            else:
                self._line(transfer)

    def _bar(self, transfer: Transfer) -> None:
        if self._bars is None:
            self._bars = Progress(TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                                  TextColumn("{task.fields[objects]}", markup=False), TransferSpeedColumn(),
                                  TimeRemainingColumn(), console=self.err)
            self._bars.start()
        if transfer.label not in self._tasks:
            self._tasks[transfer.label] = self._bars.add_task(transfer.label, total=transfer.total_bytes, objects="")
        self._bars.update(self._tasks[transfer.label], completed=transfer.bytes, total=transfer.total_bytes,
                          objects=f"{transfer.objects}/{transfer.total_objects} objects")

    def _line(self, transfer: Transfer) -> None:
        tenths = transfer.tenths
        if tenths == 0 or tenths <= self._tenths.get(transfer.label, 0):
            return
        self._tenths[transfer.label] = tenths
        with contextlib.suppress(OSError):
            self.err.print(Text(f"{transfer.label}: {tenths * 10}% ({decimal(transfer.bytes)} of "
                                f"{decimal(transfer.total_bytes)}, {transfer.objects}/{transfer.total_objects} "
                                "objects)"), soft_wrap=True)

    def close(self) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None


@contextlib.contextmanager
def watching(backend: Backend, job_name: str, err: Console) -> Iterator[TransferView]:
    """A thread drawing the job's transfers until the block ends, then once more with the final counts."""
    view = TransferView(err)
    if not backend.reports_transfers:
        yield view
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(POLL_SECONDS):
            with contextlib.suppress(LauncherError):
                view.show(backend.describe(job_name))

    thread = threading.Thread(target=poll, name="progress", daemon=True)
    thread.start()
    try:
        yield view
    finally:
        done.set()
        thread.join()
        with contextlib.suppress(LauncherError):
            view.show(backend.describe(job_name))
        view.close()
