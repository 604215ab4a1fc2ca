"""`python3 -m byoc_spark COMMAND ...`: the Spark image's ENTRYPOINT (CMD is `help`).

    help                          this usage, and the bundled jobs; exit 0
    spark-app [OPTIONS] APP ...   our style: APP is a .py/.jar path or a bundled job's name
    smspark-submit [OPTIONS] APP  the SDK's PySparkProcessor command (also /usr/local/bin/smspark-submit)
    JOB [ARGS...]                 a bundled job of entrypoints/spark_jobs, as `spark-app JOB ARGS...`

Every host of the job runs the same command; byoc_spark.cluster gives each its role.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime import UsageError, run
from byoc_spark.cluster import run_app
from byoc_spark.options import SubmitRequest, parse

JOBS_PACKAGE = "spark_jobs"
HELP_WORDS = ("help", "--help", "-h")
COMMANDS = ("spark-app", "smspark-submit")


def bundled_jobs() -> dict[str, Path]:
    """Job name -> its file, for each public module of the spark_jobs package."""
    spec = importlib.util.find_spec(JOBS_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    return {p.stem: p for folder in folders for p in sorted(Path(folder).glob("*.py")) if not p.stem.startswith("_")}


def usage() -> str:
    lines = [
        "usage: docker run IMAGE spark-app [OPTIONS] APP [APP_ARGS...]     (ContainerArguments)",
        "       docker run IMAGE JOB [ARGS...]                              (a bundled job)",
        "       docker run --entrypoint smspark-submit IMAGE [OPTIONS] APP [APP_ARGS...]   (PySparkProcessor)",
        "",
        "Every host runs the same command: the first host (sorted) runs the Spark master, a worker and the",
        "driver; the others run a worker and exit 0 once the app is over. `spark-app --help` lists OPTIONS.",
        "",
        "bundled jobs (APP may be one of these names):",
    ]
    for name, file in bundled_jobs().items():
        doc = ast.get_docstring(ast.parse(file.read_text(encoding="utf-8"))) or ""
        lines.append(f"  {name:<22} {doc.splitlines()[0] if doc else ''}")
    return "\n".join(lines)


def dispatch(argv: Sequence[str]) -> None:
    if not argv or argv[0] in HELP_WORDS:
        print(usage())
        return
    command, rest = argv[0], list(argv[1:])
    jobs = bundled_jobs()
    request: SubmitRequest | None
    if command in COMMANDS:
        request = parse(command, rest)
    elif command in jobs:
        request = SubmitRequest(app=str(jobs[command]), app_arguments=tuple(rest))
    else:
        raise UsageError(f"unknown command {command!r}: use one of {', '.join(COMMANDS)} or a bundled job "
                         f"({', '.join(jobs) or 'none'}); `help` shows how")
    if request is None:  # --help
        return
    if command == "spark-app" and request.app in jobs:
        request = dataclasses.replace(request, app=str(jobs[request.app]))
    run_app(request)


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s byoc_spark %(levelname)s: %(message)s", datefmt="%y/%m/%d %H:%M:%S")
    run(dispatch, sys.argv[1:])


if __name__ == "__main__":
    main()
