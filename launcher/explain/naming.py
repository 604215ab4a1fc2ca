"""Several hosts named in a few words: `algo-1 to algo-8`, `algo-2 and algo-5`, `algo-1, algo-3 to algo-6`."""

from __future__ import annotations

from collections.abc import Iterable

RUN_AT_LEAST = 3  # shorter runs are listed one by one


def host_number(host: str) -> int:
    """`algo-12` -> 12 (names of another shape sort first)."""
    suffix = host.rsplit("-", 1)[-1]
    return int(suffix) if suffix.isdigit() else 0


def name_hosts(hosts: Iterable[str]) -> str:
    ordered = sorted(set(hosts), key=lambda h: (host_number(h), h))
    parts: list[str] = []
    run: list[str] = []
    for host in ordered:
        if run and host_number(host) != host_number(run[-1]) + 1:
            parts.extend(_run(run))
            run = []
        run.append(host)
    parts.extend(_run(run))
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _run(run: list[str]) -> list[str]:
    if len(run) >= RUN_AT_LEAST and host_number(run[0]) > 0:
        return [f"{run[0]} to {run[-1]}"]
    return run
