"""The app's own error, found in what spark-submit printed, for /opt/ml/output/message.

spark-submit runs a PySpark app as a child of its JVM and copies the child's stdout *and* stderr to
its own stdout, so the Python traceback is read from both streams. The error is the exception line
that ends a traceback: the last one printed, except that a py4j wrapper (`Py4JJavaError: An error
occurred while calling o45.parquet`) gives way to the Python exception embedded in its Java message
(`ValueError: ...` raised in a task on an executor). Without a traceback, a JVM app's
`Exception in thread "main" ...` or spark-submit's own `Error: ...` line is used.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from typing import IO

TRACEBACK = "Traceback (most recent call last):"
WRAPPERS = ("py4j.protocol.Py4JJavaError", "py4j.protocol.Py4JError", "py4j.protocol.Py4JNetworkError")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(: .*)?$")
JVM_LINE = re.compile(r"^(Exception in thread \"[^\"]*\" \S.*|Error: \S.*)$")
MAX_CHARS = 600
TAIL_LINES = 5000


def app_error(lines: Sequence[str]) -> str | None:
    """The line that says why the app failed, or None if the output holds none."""
    found: list[str] = []
    waiting = False
    for line in lines:
        text = line.rstrip("\r\n")
        if text.endswith(TRACEBACK):
            waiting = True
            continue
        if waiting and text and not text[0].isspace() and EXCEPTION_LINE.match(text):
            found.append(text.strip())
            waiting = False
    if found:
        best = next((f for f in reversed(found) if not f.startswith(WRAPPERS) and not f.endswith(":")), found[-1])
        return _cut(best)
    jvm = [line.strip() for line in lines if JVM_LINE.match(line.strip())]
    return _cut(jvm[-1]) if jvm else None


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


class Tail:
    """The last lines of one or more streams, copied through to this process's own streams."""

    def __init__(self, limit: int = TAIL_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def follow(self, source: IO[bytes], sink: IO[str], name: str) -> None:
        thread = threading.Thread(target=self._copy, args=(source, sink), daemon=True, name=name)
        thread.start()
        self._threads.append(thread)

    def join(self, timeout: float = 10.0) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def _copy(self, source: Iterable[bytes], sink: IO[str]) -> None:
        for raw in source:
            line = raw.decode("utf-8", errors="replace")
            sink.write(line)
            sink.flush()
            with self._lock:
                self._lines.append(line)
