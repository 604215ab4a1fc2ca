"""missing-input-message: a job whose input is missing must fail, and say why in /opt/ml/output/message.

Otherwise it completes with empty outputs, or fails with a FailureReason of `AlgorithmError: , exit code: 1`
and nothing more: the user has to dig through the logs of every host.
"""

from __future__ import annotations

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, not_applicable, passed
from launcher.check.rules.exits import outcome

RULE = Rule(
    "missing-input-message",
    "with an input missing, the job exits non-zero and writes why to /opt/ml/output/message (the ExitMessage)",
    "check each input's folder before reading it, and on any failure write the cause to /opt/ml/output/message "
    "before exiting non-zero (byoc_runtime.run(main) does both: ctx.input_dir(name) raises InputError)",
)


def judge(evidence: Evidence) -> Finding:
    run = evidence.run("missing-input")
    if isinstance(run, str):
        return not_applicable(RULE, run)
    status = run.status
    without = f"without input {run.dropped!r}"
    if status.status == "Completed":
        return failed(RULE, f"Completed {without}: the job succeeds and has processed nothing")
    if status.status != "Failed":
        return failed(RULE, f"{without}: {outcome(run)}")
    codes = [h.exit_code for h in status.hosts if h.exit_code not in (0, None)]
    code = codes[0] if codes else None
    if code is None:
        return not_applicable(RULE, f"{without} the job did not start: {status.failure_reason}")
    message = (status.exit_message or "").strip()
    if not message:
        return failed(RULE, f"exit code {code} {without}, but /opt/ml/output/message was not written: SageMaker's "
                            "ExitMessage is empty and its FailureReason says only "
                            f"`AlgorithmError: , exit code: {code}`")
    return passed(RULE, f"exit code {code} {without}; message: {message.splitlines()[0]}")
