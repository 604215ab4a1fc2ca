"""image-size: every instance pulls the whole image before the job starts, and pays for it each time."""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, passed

RULE = Rule(
    "image-size",
    "the image is smaller than the limit (--max-size-gb): every instance pulls it before the job starts",
    "start from a slim base, keep build tools and caches out of the final stage (a multi-stage build, "
    "pip --no-cache-dir, rm -rf /var/lib/apt/lists/*), and leave data out of the image: it belongs in inputs",
)


def judge(evidence: Evidence) -> Finding:
    facts = evidence.facts
    seen = f"{facts.size / 1e9:.2f} GB in {facts.layers} layers (limit {evidence.max_image_bytes / 1e9:g} GB)"
    if facts.size <= evidence.max_image_bytes:
        return passed(RULE, seen)
    return failed(RULE, seen)
