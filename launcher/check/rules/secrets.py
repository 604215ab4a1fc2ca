"""no-secrets: whoever can pull the image can read every layer of it, deleted files included."""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, passed

RULE = Rule(
    "no-secrets",
    "no layer holds AWS keys, private keys or the host's CA bundle, and no ENV sets AWS credentials",
    "never COPY keys or credentials into an image: give a build step a secret with BuildKit (RUN "
    "--mount=type=secret,...), which no layer keeps; a file deleted by a later step stays in the layer that "
    "added it, so rebuild without it. At run time the job's IAM role gives the credentials",
)
SHOWN = 6


def judge(evidence: Evidence) -> Finding:
    found = [f"/{s.path} ({s.kind}; layer {s.layer}" + (f": {s.created_by[:60]}" if s.created_by else "") + ")"
             for s in evidence.secrets]
    found += [f"ENV {name}" for name in evidence.secret_env]
    if not found:
        return passed(RULE, f"none in {evidence.facts.layers} layers")
    more = f", and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return failed(RULE, "; ".join(found[:SHOWN]) + more)
