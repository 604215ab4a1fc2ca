"""`byoc debug JOB`: a shell on a finished local job's host; `byoc clean`: containers finished jobs left.

What is printed about the host goes to stderr, so `byoc debug JOB -- CMD` prints on stdout only what CMD
prints, and exits with its exit code.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from launcher.cli.backends import local_backend
from launcher.cli.consoles import console
from launcher.cli.options import JobsDirOption

if TYPE_CHECKING:
    from launcher.debug.plan import DebugPlan

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(soft_wrap=True, highlight=False)
LABEL_WIDTH = 14


def debug(
    job: Annotated[str, typer.Argument(help="A finished local job")],
    command: Annotated[list[str] | None, typer.Argument(
        help="Run this instead of a shell (after --), e.g. -- cat /opt/ml/output/message")] = None,
    host: Annotated[str | None, typer.Option(help="The host, e.g. algo-2 (default: the first that failed)")] = None,
    with_credentials: Annotated[bool, typer.Option(
        "--with-credentials", help="Serve the launcher's AWS credentials to the shell, as the job had them")] = False,
    jobs_dir: JobsDirOption = None,
) -> None:
    """A shell in a container like the job's host: same image, /opt/ml folder, environment, hostname."""
    from launcher.debug.kept import kept_container
    from launcher.debug.plan import plan_debug
    from launcher.debug.shell import run_debug
    from launcher.local.cluster import engine
    from launcher.local.credentials import JobCredentials, launcher_credentials

    client = engine()
    plan = plan_debug(client, local_backend(jobs_dir).workspace(job), host, with_credentials=with_credentials)
    kept = kept_container(client, plan.job_name, plan.folder, plan.host)
    served: JobCredentials | None = None
    if with_credentials:  # as the job had them: a sidecar serving the launcher's, the host in its namespace
        found, why = launcher_credentials()
        if found is None:
            _say(f"no credentials for the shell: {why}")
        else:
            served = JobCredentials(found, plan.image)
    _introduce(plan, kept, served.environment() if served else {}, with_credentials, shell=not command)
    code = run_debug(client, plan, command, served)
    if code:
        raise typer.Exit(code)


def clean(
    job: Annotated[str | None, typer.Argument(help="Only this job (default: every finished job)")] = None,
    jobs_dir: JobsDirOption = None,
) -> None:
    """Remove what finished local jobs left in the engine (`byoc run --keep`): containers, networks, volumes; and,
    without a job, the networks warm runs keep for their next jobs."""
    from launcher.debug.kept import clean as clean_jobs
    from launcher.local.cluster import drain_pool, engine
    from launcher.local.network_pool import pool_name

    client = engine()
    removed = clean_jobs(client, local_backend(jobs_dir), job)
    for name, count in removed.items():
        out.print(Text(f"{name}: {count} container(s), network(s) and volume(s) removed"))
    pooled = drain_pool(client, pool_name()) if job is None else 0  # networks kept for warm runs' next jobs
    if pooled:
        out.print(Text(f"network pool: {pooled} network(s) removed"))
    if not any(removed.values()) and not pooled:
        out.print(Text("nothing to remove"))


def _introduce(plan: DebugPlan, kept: str | None, credentials: dict[str, str], asked: bool, *, shell: bool) -> None:
    exit_code = "-" if plan.exit_code is None else plan.exit_code
    others = [h for h in plan.hosts if h != plan.host]
    names = sorted({*plan.environment, *credentials})
    if asked:
        creds = ("the launcher's, from a credentials sidecar as the job's hosts had" if credentials
                 else "none: the launcher has none")
    else:
        creds = "none (--with-credentials serves the launcher's)"
    rows = [
        ("job", f"{plan.job_name}, host {plan.host} (exit code {exit_code}), image {plan.image}"),
        ("/opt/ml", f"{'the volume ' if plan.ml_volume else ''}{plan.ml} (read-write: what the job left there)"),
        ("hostname", f"{plan.host}, network alias {plan.host}"
                     + (f"; {', '.join(others)} not running" if others else "")),
        ("environment", ", ".join(names) or "(empty)"),
        ("credentials", creds + (f"; left out of the job's env: {', '.join(plan.withheld)}" if plan.withheld else "")),
        ("rerun", shlex.join(plan.command)),
    ]
    if plan.pipe_inputs:
        rows.append(("pipe inputs", f"{', '.join(plan.pipe_inputs)}: not streamed again (their FIFOs are gone)"))
    if kept:
        rows.append(("kept", f"the host's own container {kept}: `docker inspect {kept}`, `docker diff {kept}`"))
    if shell:
        rows.append(("exit", "the shell's end removes its container and network"))
    for label, value in rows:
        err.print(Text.assemble((f"{label:<{LABEL_WIDTH}}", "bold"), value))


def _say(line: str) -> None:
    err.print(Text(line, style="yellow"))
