"""A successful job's log must read as one: no ERROR line, no exception, no stack trace.

Users take such lines for failures. The kit's own start-up and shutdown (the runtime, the Spark daemons it
starts and stops) must print none; a user's app may, and its job succeeds or fails on its own merits.
"""

from __future__ import annotations

import re
from pathlib import Path

ALARMING = re.compile(r"\bERROR\b|Exception|Traceback|^\s+at [\w$.<>/]+\(.*\)$")


def alarming_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ALARMING.search(line)]


def alarming_host_lines(jobs: Path) -> list[str]:
    """Every alarming line of every host's log.txt below `jobs` (one job's folder or a folder of jobs)."""
    logs = sorted(jobs.rglob("hosts/*/log.txt"))
    assert logs, f"no host log below {jobs}"
    return [f"{log.relative_to(jobs)}: {line}" for log in logs for line in alarming_lines(log.read_text())]
