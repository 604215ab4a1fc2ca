"""`byoc init`: a new image project, ready to build, run locally, test and push."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.consoles import console

out = console(soft_wrap=True, highlight=False)


def init(
    name: Annotated[Path, typer.Argument(help="The new project's folder (its last part names the image and jobs)",
                                         show_default=False)],
    base: Annotated[str, typer.Option(
        "--from", help="The image to start FROM: base, sklearn or spark (the kit's), python:TAG, or any image "
                       "with Python 3.9+ named with a tag or digest")] = "base",
) -> None:
    """Make a new image project in a new folder: Dockerfile, job.py, job files, sample data, tests, Makefile."""
    from launcher.scaffold import check_target, create_project
    from launcher.scaffold.bases import parse_base

    check_target(name)
    chosen = parse_base(base)
    wheel = None
    if chosen.needs_wheel:
        from launcher.kit import locate

        wheel = locate().runtime_wheel()
    project = create_project(name, chosen, wheel)
    out.print(Text(f"created {project.folder}/ (FROM {chosen.reference}):"))
    for file in project.files:
        out.print(Text(f"  {file}"))
    out.print(Text(f"next:\n  cd {project.folder}\n  make run      # build the image, run job.yaml here as "
                   f"SageMaker would\n  make test     # build, run both job files on data/, check the outputs\n"
                   f"  make push     # to ECR; then byoc run job.yaml --backend sagemaker --image-uri <URI>"))
