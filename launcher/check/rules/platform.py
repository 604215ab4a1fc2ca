"""platform: every SageMaker Processing instance type is x86_64, so the image must be linux/amd64."""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, passed

RULE = Rule(
    "platform",
    "the image is linux/amd64: every SageMaker Processing instance type is x86_64",
    "rebuild it for linux/amd64: `docker build --platform linux/amd64 ...` (on an Apple-silicon Mac too)",
)


def judge(evidence: Evidence) -> Finding:
    facts = evidence.facts
    if facts.runs_on_sagemaker:
        return passed(RULE, facts.platform)
    return failed(RULE, f"{facts.platform}: SageMaker cannot run it (exec format error on its instances)")
