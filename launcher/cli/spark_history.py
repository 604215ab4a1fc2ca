"""`byoc spark-history`: the Spark UI of a PySpark job's apps, from its event logs, on localhost until Ctrl-C."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.backends import BackendChoice, pick
from launcher.cli.consoles import console
from launcher.cli.options import BackendName, BackendOption, EndpointOption, JobsDirOption, RegionOption
from launcher.errors import UsageError

err = console(stderr=True, soft_wrap=True, highlight=False)
out = console(soft_wrap=True, highlight=False)

REFRESH_SECONDS = 5.0


def spark_history(
    job: Annotated[str | None, typer.Argument(help="A local or SageMaker PySpark job (not needed with --event-logs)")
                   ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 for the Spark UI")] = 18080,
    event_logs: Annotated[str | None, typer.Option(
        help="Read the event logs from this folder or s3:// prefix instead of the job's own")] = None,
    image: Annotated[str, typer.Option(help="The Spark image whose history server runs")] = "byoc/spark:latest",
    jobs_dir: JobsDirOption = None,
    backend: BackendOption = BackendName.local,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Serve the Spark UI history of a PySpark job (its Spark event logs) on localhost until Ctrl-C."""
    from launcher.spark_history.history import SparkHistory
    from launcher.spark_history.locate import event_log_locations
    from launcher.storage.client import LazyS3Client
    from launcher.storage.locations import parse_location

    if job is None and event_logs is None:
        raise UsageError("name a job, or give --event-logs FOLDER_OR_S3_PREFIX")
    if event_logs is not None:
        locations = [parse_location(event_logs)]
    else:
        assert job is not None
        status = pick(BackendChoice(backend, jobs_dir, region), err).describe(job)
        locations = event_log_locations(status.job_name, status.request, status.folder)
    name = job or "event-logs"
    try:
        with SparkHistory(locations, LazyS3Client(endpoint_url, region), name=name, image=image, port=port) as history:
            err.print(Text(f"{history.files} event log file(s) from {', '.join(loc.uri for loc in locations)}",
                           style="dim"))
            for app in history.applications():
                attempt = (app.get("attempts") or [{}])[-1]
                state = "completed" if attempt.get("completed") else "in progress"
                out.print(Text(f"app        {app.get('id')}  {app.get('name')}  ({state})"))
            out.print(Text.assemble("spark ui   ", (history.url, "bold"), "  (Ctrl-C to stop)"))
            while True:
                time.sleep(REFRESH_SECONDS)
                history.refresh()
    except KeyboardInterrupt:
        err.print(Text("stopped: the history server and its copy of the event logs are removed", style="dim"))
