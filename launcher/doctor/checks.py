"""One check's result: what a line of `byoc doctor` says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Check:
    """`name` passed or not; `detail` is what was seen, `fix` what to do about a failure."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str | None = None) -> Check:
    return Check(name, False, detail, fix)
