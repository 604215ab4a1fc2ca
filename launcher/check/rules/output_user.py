"""output-user: SageMaker mounts /opt/ml/processing/* owned by root, mode 0755; only root can write there."""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, passed

RULE = Rule(
    "output-user",
    "runs as a user that can write the output folders as SageMaker mounts them (owned by root, mode 0755)",
    "run as root: drop USER from the Dockerfile, or end it with USER root (SageMaker mounts the processing "
    "folders root-owned: a non-root user cannot write its outputs)",
)


def judge(evidence: Evidence) -> Finding:
    user = evidence.user
    if user.is_root:
        return passed(RULE, f"root (USER {evidence.facts.user})" if evidence.facts.user else "root (no USER)")
    if user.uid is None:
        return failed(RULE, f"USER {evidence.facts.user}: no such user in the image's /etc/passwd, so no container "
                            "of it can start")
    who = f"{user.name} (uid {user.uid}{'' if user.gid is None else f', gid {user.gid}'})"
    probe = evidence.write_probe
    if probe is not None and probe.wrote:
        return passed(RULE, f"{who} wrote into a root-owned 0755 output folder")
    if probe is not None and probe.wrote is False:
        said = f": {probe.said}" if probe.said else ""
        return failed(RULE, f"runs as {who}; writing into a root-owned 0755 output folder failed{said}")
    return failed(RULE, f"runs as {who}, not root: it cannot create files in a root-owned 0755 output folder "
                        "(the image has no /bin/sh to try it with)")
