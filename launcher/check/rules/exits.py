"""exits-one-host, exits-two-hosts: the job completes on one instance and on two, where each host gets its
share of a sharded input (with few objects, perhaps none) and every host's outputs go to one S3 prefix."""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, not_applicable, passed
from launcher.check.scenarios import Run

ONE_HOST = Rule(
    "exits-one-host",
    "the job exits 0 on 1 host",
    "run it yourself with `byoc run JOB.yaml --keep`; `byoc debug JOB` then opens a shell on the failed host",
)
TWO_HOSTS = Rule(
    "exits-two-hosts",
    "the job exits 0 on 2 hosts with sharded inputs",
    "read the hosts from /opt/ml/config/resourceconfig.json; accept an empty shard (an input folder with no "
    "files); give each host's output files their own names (every host uploads to the same S3 prefix)",
)


def judge_one_host(evidence: Evidence) -> Finding:
    return _judge(ONE_HOST, evidence.run("one-host"))


def judge_two_hosts(evidence: Evidence) -> Finding:
    return _judge(TWO_HOSTS, evidence.run("two-hosts"))


def _judge(rule: Rule, run: Run | str) -> Finding:
    if isinstance(run, str):
        return not_applicable(rule, run)
    if run.status.status == "Completed":
        return passed(rule, f"Completed: {_exits(run)}{_took(run)}")
    return failed(rule, outcome(run))


def outcome(run: Run) -> str:
    """A run that did not complete, in a line: its status and reason, and the failed host's last line."""
    status = run.status
    parts = [f"{status.status}: {status.failure_reason or _exits(run)}"]
    failed_hosts = [h.name for h in status.hosts if h.exit_code not in (0, None)]
    for host in failed_hosts[:1]:
        last = run.logs.get(host) or []
        if last:
            parts.append(f"{host}'s last line: {last[-1]}")
    return "; ".join(parts)


def _exits(run: Run) -> str:
    return ", ".join(f"{h.name} exit code {'-' if h.exit_code is None else h.exit_code}" for h in run.status.hosts)


def _took(run: Run) -> str:
    status = run.status
    if status.start_time is None or status.end_time is None:
        return ""
    return f" in {(status.end_time - status.start_time).total_seconds():.1f} s"
