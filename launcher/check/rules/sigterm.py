"""sigterm: StopProcessingJob and MaxRuntimeInSeconds send SIGTERM; what does not exit is killed, its outputs
half-written. A container's PID 1 gets only the signals it handles: a shell-form ENTRYPOINT's shell has no
handler and does not pass the signal on, nor does a program that never installs one."""

from __future__ import annotations

import shlex

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, not_applicable, passed
from launcher.check.scenarios import Run
from launcher.imagecommand import shell_form

RULE = Rule(
    "sigterm",
    "the container's PID 1 exits within the grace period after SIGTERM (a stop, MaxRuntimeInSeconds)",
    "exit promptly on SIGTERM: stop the work, close the outputs, exit (143 by convention)",
)
SHELL_FIX = 'use the exec form, ENTRYPOINT ["python3", "/opt/program/job.py"], so the job itself is PID 1'
HANDLER_FIX = ("handle SIGTERM in the job (byoc_runtime.run(main) does; or signal.signal(signal.SIGTERM, handler) "
               'that exits), or start it under an init that forwards signals: ENTRYPOINT ["tini", "--", ...]')


def judge(evidence: Evidence) -> Finding:
    run = evidence.run("sigterm")
    if isinstance(run, str):
        return not_applicable(RULE, run)
    trial = run.signal
    host = run.status.hosts[0] if run.status.hosts else None
    if trial is None or trial.sent is None or host is None:
        return not_applicable(RULE, _ended_first(run, evidence))
    code = host.exit_code
    seconds = trial.exited_after
    command = evidence.command
    if trial.handler is False:  # the kernel dropped the signal: whatever came next was not its doing
        then = (f"it was still running {evidence.grace_seconds:g} s later: killed (exit code {code})" if code == 137
                else f"the job went on and ended by itself {seconds or 0:.1f} s later (exit code {code})")
        if shell_form(command):
            return failed(RULE, f"PID 1 is the shell of {shlex.join(command)}, which has no SIGTERM handler and does "
                                f"not pass the signal on; {then}", SHELL_FIX)
        return failed(RULE, f"PID 1 ({shlex.join(command[:2])} ...) has no SIGTERM handler, and a container's PID 1 "
                            f"ignores the signals it does not handle; {then}", HANDLER_FIX)
    if seconds is not None and seconds < evidence.grace_seconds and code != 137:
        return passed(RULE, f"exited with code {code} {seconds:.1f} s after SIGTERM")
    seen = f"still running {evidence.grace_seconds:g} s after SIGTERM: killed (exit code {code})"
    if shell_form(command):
        return failed(RULE, f"{seen}; PID 1 is the shell of {shlex.join(command)}, which does not pass the signal "
                            "on", SHELL_FIX)
    return failed(RULE, f"{seen}; PID 1 handles SIGTERM but did not exit within the grace period")


def _ended_first(run: Run, evidence: Evidence) -> str:
    status = run.status
    if not status.hosts or "running" not in status.hosts[0].phases:
        return f"the job did not start: {status.failure_reason or status.status}"
    start, end = status.hosts[0].phases["running"]
    # A handler seen is worth saying; none seen proves nothing: it may have come after the last look.
    seen = "; PID 1 was seen to handle SIGTERM" if run.signal is not None and run.signal.handler else ""
    job = "its job" if evidence.plan.from_job_file else "the image's default command"
    return (f"{job} ended by itself {(end - start).total_seconds():.1f} s after it started, before SIGTERM was "
            f"sent{seen}; to test it, give --job a job that runs longer")
