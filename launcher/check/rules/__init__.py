"""The contract's rules, one module each: `RULE` (name, what it checks, its usual fix) and `judge(evidence)`.

JUDGES is the order of `byoc check`'s table: the image itself first, then what its runs showed.
"""

from __future__ import annotations

from collections.abc import Callable

from launcher.check.evidence import Evidence
from launcher.check.model import Finding
from launcher.check.rules import (
    entrypoint,
    exits,
    missing_input,
    output_user,
    platform,
    reads,
    secrets,
    sigterm,
    size,
    writes,
)

JUDGES: tuple[Callable[[Evidence], Finding], ...] = (
    platform.judge,
    entrypoint.judge,
    sigterm.judge,
    output_user.judge,
    exits.judge_one_host,
    exits.judge_two_hosts,
    reads.judge,
    writes.judge,
    missing_input.judge,
    size.judge,
    secrets.judge,
)
