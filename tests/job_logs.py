"""A successful job's log must read as one: no ERROR line, no exception, no stack trace.

Users take such lines for failures. The kit's own start-up and shutdown (the runtime, the Spark daemons it
starts and stops) must print none; a user's app may, and its job succeeds or fails on its own merits.

One block is Spark's own, not the kit's: SPARK-47121 (fixed in Spark 4.0), where the driver's
SparkContext.stop() races an executor's disconnection and logs `ERROR Inbox: Ignoring error` with a
RejectedExecutionException from StandaloneSchedulerBackend's onDisconnected. It is not counted.
"""

from __future__ import annotations

import re
from pathlib import Path

ALARMING = re.compile(r"\bERROR\b|Exception|Traceback|^\s+at [\w$.<>/]+\(.*\)$")
SPARK_47121 = ("ERROR Inbox: Ignoring error", "java.util.concurrent.RejectedExecutionException",
               "StandaloneSchedulerBackend$StandaloneDriverEndpoint.onDisconnected")


def alarming_lines(text: str) -> list[str]:
    lines = text.splitlines()
    found: list[str] = []
    i = 0
    while i < len(lines):
        trace = _spark_47121(lines, i)
        if trace:
            i += trace
            continue
        if ALARMING.search(lines[i]):
            found.append(lines[i])
        i += 1
    return found


def _spark_47121(lines: list[str], i: int) -> int:
    """How many lines from `i` are SPARK-47121's block (the ERROR line, the exception, its frames), else 0."""
    if not lines[i].endswith(SPARK_47121[0]) or i + 1 == len(lines) or not lines[i + 1].startswith(SPARK_47121[1]):
        return 0
    end = i + 2
    while end < len(lines) and lines[end].startswith("\tat "):
        end += 1
    return end - i if any(SPARK_47121[2] in line for line in lines[i + 2:end]) else 0


def alarming_host_lines(jobs: Path) -> list[str]:
    """Every alarming line of every host's log.txt below `jobs` (one job's folder or a folder of jobs)."""
    logs = sorted(jobs.rglob("hosts/*/log.txt"))
    assert logs, f"no host log below {jobs}"
    return [f"{log.relative_to(jobs)}: {line}" for log in logs for line in alarming_lines(log.read_text())]
