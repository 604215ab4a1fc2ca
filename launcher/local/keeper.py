"""The supervisor's one writer of job.json: hosts' threads report phases, exits and uploads through it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from launcher.local import record as records
from launcher.local.outcome import Outcome
from launcher.local.record import InputRecord, JobRecord
from launcher.local.workspace import JobWorkspace

UPLOAD_SAVE_SECONDS = 0.5  # a progress save at most this often: thousands of small objects, not thousands of saves


class RecordKeeper:
    def __init__(self, record: JobRecord, workspace: JobWorkspace) -> None:
        self.record = record
        self.workspace = workspace
        self._lock = threading.Lock()
        self._last_progress_save = 0.0
        self.save()

    def save(self) -> None:
        records.save(self.record, self.workspace.record_file)

    def update(self, change: Callable[[JobRecord], JobRecord], *, save: bool = True) -> None:
        with self._lock:
            self.record = change(self.record)
            if save:
                self.save()

    def notice(self, line: str) -> None:
        """Something the user should hear once about this job (shown by `byoc run` and `byoc logs`)."""
        self.update(lambda r: replace(r, notices=(*r.notices, line)))

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the block's duration to the job's timings under `phase`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.update(lambda r: replace(r, timings={**r.timings, phase: r.timings.get(phase, 0.0) + seconds}),
                        save=False)

    def since_creation(self, phase: str) -> None:
        """Record under `phase` the time from the job's creation until now (across the fork to its supervisor)."""
        seconds = max(0.0, time.time() - datetime.fromisoformat(self.record.creation_time).timestamp())
        self.update(lambda r: replace(r, timings={**r.timings, phase: seconds}), save=False)

    def phase(self, host: str, phase: str, edge: int) -> None:
        """Stamp the start (edge 0) or end (edge 1) of one host's phase."""

        def stamp(current: JobRecord) -> JobRecord:
            old = current.host(host)
            times = list(old.phases.get(phase, [records.now(), records.now()]))
            times[edge] = records.now()
            return current.with_host(replace(old, phases={**old.phases, phase: times}))

        self.update(stamp, save=False)

    def phase_all(self, hosts: tuple[str, ...], phase: str, edge: int) -> None:
        for host in hosts:
            self.phase(host, phase, edge)
        self.update(lambda r: r)

    def stopping(self) -> None:
        """The job is being stopped (DescribeProcessingJob's Stopping) until its hosts have exited."""
        self.update(lambda r: replace(r, status="Stopping"))

    def started(self) -> None:
        self.update(lambda r: replace(r, start_time=records.now()))

    def host_exit(self, host: str, code: int) -> None:
        self.phase(host, "running", 1)
        self.update(lambda r: r.with_host(replace(r.host(host), exit_code=code)))

    def uploaded(self, output: str, done: int, total: int, done_bytes: int | None = None,
                 total_bytes: int | None = None) -> None:
        """Objects (and bytes) of `output` at its destination so far; saved every so often and at the last one."""
        due = self._progress_due(done == total and done_bytes == total_bytes)
        self.update(lambda r: r.with_output(replace(r.output(output), uploaded=done, total=total,
                                                    uploaded_bytes=done_bytes, total_bytes=total_bytes)), save=due)

    def staged(self, name: str, done: int, total: int, done_bytes: int, total_bytes: int) -> None:
        """Objects and bytes of input `name` in place so far; saved as `uploaded` is."""
        entry = InputRecord(name, done, total, done_bytes, total_bytes)
        due = self._progress_due(done == total and done_bytes == total_bytes)

        def change(r: JobRecord) -> JobRecord:
            if any(i.name == name for i in r.inputs):
                return replace(r, inputs=tuple(entry if i.name == name else i for i in r.inputs))
            return replace(r, inputs=(*r.inputs, entry))

        self.update(change, save=due)

    def _progress_due(self, complete: bool) -> bool:
        now = time.monotonic()
        due = complete or now - self._last_progress_save >= UPLOAD_SAVE_SECONDS
        if due:
            self._last_progress_save = now
        return due

    def finish(self, outcome: Outcome) -> JobRecord:
        self.update(lambda r: replace(r, status=outcome.status, failure_reason=outcome.failure_reason,
                                      exit_message=outcome.exit_message, cause_exit_code=outcome.cause_exit_code,
                                      end_time=records.now()))
        return self.record
