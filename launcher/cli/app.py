"""The `byoc` command tree: which function answers which command."""

from __future__ import annotations

import typer

from launcher.cli import check, debug, doctor, images, jobs, projects, replay, serve, spark_history
from launcher.cli.handler import Handled

app = typer.Typer(
    name="byoc",
    help="Run SageMaker Processing jobs locally exactly as SageMaker would, from one job file.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold AWS keys
    add_completion=False,
    cls=Handled,
)
app.command()(jobs.run)
app.command()(jobs.describe)
app.command()(jobs.logs)
app.command()(jobs.stop)
app.command(name="list")(jobs.list_jobs)
app.command()(jobs.timeline)
app.command()(images.build)
app.command()(images.push)
app.command()(projects.init)
app.command()(serve.serve)
app.command()(replay.replay)
app.command(name="spark-history")(spark_history.spark_history)
app.command()(doctor.doctor)
app.command()(check.check)
app.command()(debug.debug)
app.command()(debug.clean)

