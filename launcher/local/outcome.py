"""A finished run in the cloud's words: status, FailureReason and ExitMessage.

- Completed only if every host exited 0 and nobody stopped the job.
- Failed: FailureReason `AlgorithmError: <cause>, exit code: N (host algo-k)` for the first host that
  failed (the service leaves <cause> empty; we put the host's exit message there). Exit code 137
  with the kernel's OOM flag says OutOfMemory; 137 without it says the container was killed.
- Stopped: by MaxRuntimeInSeconds, `byoc stop` or Ctrl-C, with the reason.
- ExitMessage: every host's /opt/ml/output/message, each prefixed with its host (our choice: the
  service concatenates them), cut to 1 KB on a character boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from launcher.local.supervisor import RunResult

LIMIT_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    failure_reason: str | None
    exit_message: str | None
    interrupted: bool = False  # stopped by Ctrl-C: the caller re-raises KeyboardInterrupt once recorded


def decide(result: RunResult, messages: Mapping[str, str], oom_killed: set[str]) -> Outcome:
    exit_message = _exit_message(messages)
    if result.first_failure is not None:
        host = result.first_failure
        code = result.exit_codes[host]
        return Outcome("Failed", _cut(_failure_reason(host, code, messages.get(host), host in oom_killed)),
                       exit_message)
    if result.stop is not None:
        return Outcome("Stopped", result.stop.reason, exit_message, interrupted=result.stop.cause == "interrupted")
    return Outcome("Completed", None, exit_message)


def _failure_reason(host: str, code: int, message: str | None, oom: bool) -> str:
    if code == 137 and oom:
        return (f"OutOfMemory: host {host} was killed by the kernel's OOM killer (exit code 137): use an "
                "instance type with more memory or process less data at once")
    cause = (message or "").strip().splitlines()[0] if (message or "").strip() else "see the job's log"
    if code == 137:
        cause = f"{cause} (killed by SIGKILL)"
    return f"AlgorithmError: {cause}, exit code: {code} (host {host})"


def _exit_message(messages: Mapping[str, str]) -> str | None:
    parts = [f"[{host}] {text.strip()}" for host, text in messages.items() if text.strip()]
    return _cut("\n".join(parts)) if parts else None


def _cut(text: str) -> str:
    return text.encode("utf-8")[:LIMIT_BYTES].decode("utf-8", errors="ignore")
