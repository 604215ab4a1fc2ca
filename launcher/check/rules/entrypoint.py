"""exec-entrypoint: the job must be PID 1, so that SIGTERM (a stop, MaxRuntimeInSeconds) reaches it."""

from __future__ import annotations

import json

from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, passed
from launcher.imagecommand import shell_form

RULE = Rule(
    "exec-entrypoint",
    "ENTRYPOINT in exec form (or none, when the job gives a ContainerEntrypoint): the job is PID 1 and gets SIGTERM",
    'write ENTRYPOINT as a JSON list, ENTRYPOINT ["python3", "/opt/program/job.py"], not ENTRYPOINT python3 '
    "/opt/program/job.py (shell form runs /bin/sh -c as PID 1)",
)


def judge(evidence: Evidence) -> Finding:
    image = evidence.facts.entrypoint
    job = evidence.plan.definition.entrypoint
    if job is not None:
        if shell_form(job):
            return failed(RULE, f"the job's ContainerEntrypoint is a shell: {_list(job)}",
                          "give the program itself as ContainerEntrypoint ([python3, /opt/ml/processing/input/code/"
                          "job.py]), not [sh, -c, ...]")
        replaced = f"; the image's ENTRYPOINT {_list(image)} is not used" if image else ""
        return passed(RULE, f"the job's ContainerEntrypoint {_list(job)}{replaced}")
    if image is None:
        cmd = _list(evidence.facts.cmd) if evidence.facts.cmd else "(none)"
        given = "the job file gives" if evidence.plan.from_job_file else "no job file gives"
        return failed(RULE, f"no ENTRYPOINT, and {given} a ContainerEntrypoint: the container runs CMD {cmd}, which "
                            "any ContainerArguments replace whole",
                      'add an exec-form ENTRYPOINT ["python3", "/opt/program/job.py"] and keep CMD for default '
                      "arguments, or give the job an entrypoint")
    if shell_form(image):
        return failed(RULE, f"ENTRYPOINT is in shell form: {_list(image)}; PID 1 is {image[0]}, not the job")
    return passed(RULE, f"ENTRYPOINT {_list(image)}")


def _list(command: tuple[str, ...] | None) -> str:
    return json.dumps(list(command or ()))
