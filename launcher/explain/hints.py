"""Hints for a failed job: how each failed host that wrote no exit message ended, one hint per distinct way.

SageMaker's FailureReason for such a host is `AlgorithmError: see the job's log, exit code: 1 (host algo-1)`,
and eight hosts that failed alike print eight identical tracebacks. A hint gives the last traceback (or
exception line) once, compacted, with the hosts that ended that way named. Hosts that the launcher itself
stopped after another host failed (exit 143 or 137 while not the first to fail) are left out: their end
says nothing about the failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from launcher.explain.naming import host_number, name_hosts
from launcher.explain.tracebacks import Kind, LastFailure, last_failure

STOPPED_BY_LAUNCHER = frozenset({137, 143})  # SIGKILL, SIGTERM
INDENT = "  "


@dataclass(frozen=True, slots=True)
class HostEnd:
    """How one host ended: its exit code, whether it wrote an exit message, the end of its log."""

    name: str
    exit_code: int | None
    wrote_message: bool
    log_tail: str


def failure_hints(hosts: Sequence[HostEnd], first_failure: str | None) -> tuple[str, ...]:
    """`first_failure` is the host whose failure failed the job; None (a stopped job): nothing to explain."""
    if first_failure is None:
        return ()
    failed = [host for host in hosts if host.exit_code not in (None, 0) and not host.wrote_message
              and (host.name == first_failure or host.exit_code not in STOPPED_BY_LAUNCHER)]
    groups: dict[str, tuple[LastFailure, list[str]]] = {}
    for host in failed:
        failure = last_failure(host.log_tail)
        groups.setdefault(failure.key, (failure, []))[1].append(host.name)
    ordered = sorted(groups.values(), key=lambda group: (first_failure not in group[1],
                                                         min(host_number(h) for h in group[1])))
    return tuple(_hint(failure, names) for failure, names in ordered)


def _hint(failure: LastFailure, hosts: list[str]) -> str:
    many = len(hosts) > 1
    who = f"{name_hosts(hosts)} ({len(hosts)} hosts)" if many else hosts[0]
    logs = "their logs" if many else "its log"
    if failure.kind is Kind.TRACEBACK:
        body = "\n".join(f"{INDENT}{line}" for line in failure.lines())
        return f"{who} wrote no exit message; the last traceback in {'each of ' if many else ''}{logs}:\n{body}"
    if failure.kind is Kind.EXCEPTION:
        return f"{who} wrote no exit message; the last exception in {logs}: {failure.line}"
    if failure.kind is Kind.LAST_LINE:
        return f"{who} wrote no exit message; {'each of ' if many else ''}{logs} ends with: {failure.line}"
    return f"{who} wrote no exit message and printed nothing"
