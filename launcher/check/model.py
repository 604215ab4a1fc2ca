"""A rule of the container contract, what `byoc check` found for it, and the report of all of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "n/a"  # the rule does not apply, or could not be checked; `seen` says why


@dataclass(frozen=True, slots=True)
class Rule:
    """`name` is what the table and --json call it, `checks` what it asks of the image, `fix` the usual remedy."""

    name: str
    checks: str
    fix: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict, with what was seen; a failure's `fix` may be more precise than the rule's."""

    rule: Rule
    verdict: Verdict
    seen: str
    fix: str | None = None

    @property
    def remedy(self) -> str | None:
        return (self.fix or self.rule.fix) if self.verdict is Verdict.FAIL else None


def passed(rule: Rule, seen: str) -> Finding:
    return Finding(rule, Verdict.PASS, seen)


def failed(rule: Rule, seen: str, fix: str | None = None) -> Finding:
    return Finding(rule, Verdict.FAIL, seen, fix)


def not_applicable(rule: Rule, seen: str) -> Finding:
    return Finding(rule, Verdict.NA, seen)


@dataclass(frozen=True, slots=True)
class Report:
    image: str
    job_file: Path | None
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return all(finding.verdict is not Verdict.FAIL for finding in self.findings)

    def to_json(self) -> Mapping[str, Any]:
        return {
            "image": self.image,
            "job": str(self.job_file) if self.job_file is not None else None,
            "passed": self.passed,
            "rules": [{"rule": f.rule.name, "checks": f.rule.checks, "result": f.verdict.value, "seen": f.seen,
                       "fix": f.remedy} for f in self.findings],
        }
