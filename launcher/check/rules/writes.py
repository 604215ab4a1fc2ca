"""writes-local-paths: SageMaker uploads the outputs' LocalPaths and nothing else; every other file a job
writes is lost with its instance (and on a read-only or small root filesystem, may fail the job)."""

from __future__ import annotations

from launcher.check.changes import Change, by_path, written_outside
from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, not_applicable, passed

RULE = Rule(
    "writes-local-paths",
    "writes only under its outputs' LocalPaths and /tmp: SageMaker uploads the outputs, the rest is lost",
    "write results under an output's LocalPath (the output's source, e.g. /opt/ml/processing/output/<name>) "
    "and scratch files under /tmp",
)
SCENARIOS = ("one-host", "two-hosts")
SHOWN = 8


def judge(evidence: Evidence) -> Finding:
    runs = [run for scenario in SCENARIOS if not isinstance(run := evidence.run(scenario), str)]
    if not runs:
        return not_applicable(RULE, str(evidence.run(SCENARIOS[0])))
    if not any(run.changes for run in runs):
        return not_applicable(RULE, f"no container ran: {runs[0].status.failure_reason}")
    inputs = tuple(channel.local_path for channel in evidence.plan.channels)
    outputs = evidence.plan.output_paths
    writes: dict[str, list[Change]] = {}
    for run in runs:
        for host in run.hosts:
            writes.setdefault(host, []).extend(written_outside(run.changes.get(host, ()), run.ml_files.get(host, ()),
                                                               inputs, outputs))
    paths = by_path(writes)
    if not paths:
        hosts = sum(len(run.hosts) for run in runs)
        return passed(RULE, f"nothing outside the outputs and /tmp (docker diff and /opt/ml of {hosts} hosts)")
    listed = [f"{path} ({', '.join(hosts)})" for path, hosts in list(paths.items())[:SHOWN]]
    more = f", and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return failed(RULE, f"wrote {len(paths)} paths that SageMaker would not keep: {', '.join(listed)}{more}")
