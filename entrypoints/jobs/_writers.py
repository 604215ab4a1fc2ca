"""Output files written by a pool of threads while the job reads on, reported in the order they were handed over.

pyarrow formats a CSV on one core and releases the GIL while it does, so a job that reads its inputs
in order (a Pipe-mode stream can only be read that way) can parse the next input while earlier results
are formatted on the other cores. The pool holds at most one waiting file per thread, which bounds
memory; each file's log line is printed once it is written, in input order, and a failure is raised
in that order too, so an earlier file's error is the one reported even when a later one fails first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TypeVarTuple

Args = TypeVarTuple("Args")


class OrderedWriters:
    """`submit(line, write, ...)` runs `write(...)` on a thread; `line` is printed when it is done."""

    def __init__(self, threads: int, name: str) -> None:
        self._threads = threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._pending: deque[tuple[str, Future[None]]] = deque()

    def submit(self, line: str, write: Callable[[*Args], None], *args: *Args) -> None:
        self._pending.append((line, self._pool.submit(write, *args)))
        while len(self._pending) > self._threads:
            self._report_next()

    def finish(self) -> None:
        """Every file written and reported; the first failure, in submission order, raised."""
        while self._pending:
            self._report_next()

    def _report_next(self) -> None:
        line, written = self._pending.popleft()
        written.result()
        print(line, flush=True)

    def __enter__(self) -> OrderedWriters:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None) -> None:
        """After a failure, the files handed over before it are finished first (their own failure wins).

        Not after a stop (SIGTERM is a BaseException, not an Exception): the job must end now.
        """
        try:
            if isinstance(error, Exception):
                self.finish()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
