"""`byoc check IMAGE`: the image against the Processing container contract, one table row per rule.

Exit 0 when no rule fails (a rule may not apply, and says why), 1 when one does; `--json` for CI. Rule
names and what was seen come from the image and its jobs: they go into `Text`, never read as markup.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from launcher.cli.consoles import console
from launcher.cli.options import EndpointOption, RegionOption

if TYPE_CHECKING:
    from launcher.check.model import Report

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(highlight=False)

VERDICT_STYLE = {"pass": "green", "fail": "bold red", "n/a": "yellow"}


def check(
    image: Annotated[str, typer.Argument(help="A local image, e.g. byoc/sklearn:latest")],
    job: Annotated[Path | None, typer.Option(
        "--job", help="Run this job file's entrypoint, arguments and inputs (its image_uri is replaced by IMAGE); "
                      "default: the image's own ENTRYPOINT and CMD with generated sample inputs")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON")] = False,
    grace_seconds: Annotated[float, typer.Option(
        "--grace", help="Seconds from SIGTERM to SIGKILL in the stop test (as byoc run: 120)")] = 120.0,
    timeout_seconds: Annotated[int, typer.Option(
        "--timeout", help="Longest run of the job, seconds (its MaxRuntimeInSeconds in the check)")] = 600,
    max_size_gb: Annotated[float, typer.Option("--max-size-gb", help="Largest image size that passes, GB")] = 10.0,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Check that an image honours the SageMaker Processing contract, running it on the local engine."""
    from launcher.check.checker import CheckOptions
    from launcher.check.checker import check as run_check
    from launcher.local.options import DEFAULT_REGION

    options = CheckOptions(
        job_file=job, grace_seconds=grace_seconds, timeout_seconds=timeout_seconds,
        max_image_bytes=int(max_size_gb * 1000**3),
        region=region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
    report = run_check(image, options, progress=lambda line: err.print(Text(f"check: {line}", style="dim")))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        show_report(report, out)
    if not report.passed:
        raise typer.Exit(1)


def show_report(report: Report, console: Console) -> None:
    what = f"job file {report.job_file}" if report.job_file else "the image's own command, sample inputs"
    console.print(Text.assemble(("byoc check ", "bold"), report.image, f"  ({what})"))
    table = Table("rule", "result", "seen", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for finding in report.findings:
        seen = Text(finding.seen)
        if finding.remedy:
            seen.append("\nfix: ", style="bold")
            seen.append(finding.remedy)
        table.add_row(Text(finding.rule.name), Text(finding.verdict.value, style=VERDICT_STYLE[finding.verdict]),
                      seen)
    console.print(table)
    counts = {verdict: sum(1 for f in report.findings if f.verdict.value == verdict) for verdict in VERDICT_STYLE}
    line = f"{counts['fail']} of {len(report.findings)} rules fail" if counts["fail"] else "no rule fails"
    rest = f"{counts['pass']} pass, {counts['n/a']} do not apply or could not be checked"
    console.print(Text.assemble((line, VERDICT_STYLE["fail" if counts["fail"] else "pass"]), f"; {rest}"))
