"""A finished run in the cloud's words: status, FailureReason and ExitMessage.

- Completed only if every host exited 0 and nobody stopped the job.
- Failed: FailureReason `AlgorithmError: <cause>, exit code: N (host algo-k)` for the first host that
  failed (the service leaves <cause> empty; we put the first line of the host's exit message there,
  cut so that the whole reason fits the service's 1 KB while the exit code and host always stay).
  Exit code 137 with the kernel's OOM flag says OutOfMemory; 137 without it says the container was killed.
- Stopped: by MaxRuntimeInSeconds or a stop request, with the reason saying which.
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
    cause_exit_code: int | None = None  # the launcher error's exit code, when one failed the job


def decide(result: RunResult, messages: Mapping[str, str], oom_killed: set[str]) -> Outcome:
    exit_message = _exit_message(messages)
    if result.first_failure is not None:
        host = result.first_failure
        code = result.exit_codes[host]
        return Outcome("Failed", _failure_reason(host, code, messages.get(host), host in oom_killed), exit_message)
    if result.stop is not None:
        return Outcome("Stopped", result.stop.reason, exit_message)
    return Outcome("Completed", None, exit_message)


def client_error(message: str, exit_code: int) -> Outcome:
    """A job failed by the launcher's own check (data, image, destination): the service's ClientError."""
    return Outcome("Failed", cut(f"ClientError: {message}"), None, exit_code)


def _failure_reason(host: str, code: int, message: str | None, oom: bool) -> str:
    if code == 137 and oom:
        return (f"OutOfMemory: host {host} was killed by the kernel's OOM killer (exit code 137): use an "
                "instance type with more memory or process less data at once")
    text = (message or "").strip()
    cause = text.splitlines()[0] if text else "see the job's log"
    if code == 137:
        cause = f"{cause} (killed by SIGKILL)"
    suffix = f", exit code: {code} (host {host})"
    return f"AlgorithmError: {cut(cause, LIMIT_BYTES - len('AlgorithmError: ') - len(suffix.encode()))}{suffix}"


def _exit_message(messages: Mapping[str, str]) -> str | None:
    parts = [f"[{host}] {text.strip()}" for host, text in messages.items() if text.strip()]
    return cut("\n".join(parts)) if parts else None


def cut(text: str, limit: int = LIMIT_BYTES) -> str:
    """At most `limit` bytes of UTF-8, cut on a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
