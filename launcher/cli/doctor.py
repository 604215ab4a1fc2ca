"""`byoc doctor`: one line per check of this machine (and with --aws, of the AWS account), green or red with the fix.

What a check saw (engine versions, AWS messages, paths) is printed as plain text, never as markup.
Exit 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.consoles import console
from launcher.cli.options import JobsDirOption, RegionOption
from launcher.errors import EXIT_FAILED

out = console(soft_wrap=True, highlight=False)
NAME_WIDTH = 20


def doctor(
    machine: Annotated[bool, typer.Option("--machine/--no-machine", help="Check this machine (default), or skip it "
                                                                         "to check only AWS")] = True,
    aws: Annotated[bool, typer.Option("--aws", help="Also check the AWS side: credentials, region, role, bucket, "
                                                    "ECR repository, registry login (nothing billable)")] = False,
    smoke: Annotated[bool, typer.Option("--smoke", help="Also run a 1-instance job of the base image on SageMaker, "
                                                        "the smallest processing instance (billed; implies --aws)")
                     ] = False,
    role: Annotated[str | None, typer.Option(help="IAM role ARN for jobs (env BYOC_ROLE_ARN)")] = None,
    bucket: Annotated[str | None, typer.Option(help="Bucket for jobs' staging (env BYOC_BUCKET)")] = None,
    repository: Annotated[str, typer.Option(help="ECR repository of the image to check and run")] = "byoc/base",
    tag: Annotated[str, typer.Option(help="Tag of that image")] = "latest",
    registry: Annotated[str | None, typer.Option(help="Log the engine in to this registry host instead of "
                                                      "ECR's own")] = None,
    region: RegionOption = None,
    jobs_dir: JobsDirOption = None,
) -> None:
    """Check this machine (engine, images, disk, credentials endpoint) and, with --aws, the AWS side."""
    from launcher.doctor.aws import AwsSettings
    from launcher.doctor.run import DoctorOptions, run_checks
    from launcher.local.workspace import jobs_root
    from launcher.sagemaker_backend.settings import bucket_from, role_from

    settings = AwsSettings(region=region, role=role or role_from(os.environ), bucket=bucket_from(bucket, os.environ),
                           repository=repository, tag=tag, registry=registry)
    options = DoctorOptions(jobs_dir=jobs_dir if jobs_dir is not None else jobs_root(), machine=machine, aws=aws,
                            smoke=smoke,
                            settings=settings)
    failures = 0
    for check in run_checks(options):
        failures += not check.ok
        mark = Text("ok  ", style="green") if check.ok else Text("FAIL", style="bold red")
        out.print(Text.assemble(mark, "  ", (f"{check.name:<{NAME_WIDTH}}", "bold"), " ",
                                Text(check.detail, style="" if check.ok else "red")))
        if check.fix:
            out.print(Text.assemble(" " * 6, ("fix: ", "bold"), check.fix))
    if failures:
        raise typer.Exit(EXIT_FAILED)
