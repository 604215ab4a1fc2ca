"""`python3 -m byoc_runtime [JOB [ARGS...]]`: the images' ENTRYPOINT.

With no job (the image's CMD is `help`) it prints the jobs this image has and exits 0. Otherwise the
first ContainerArgument names a module of the `jobs` package and the rest are that job's arguments.
An image without a `jobs` package (the runtime installed from its wheel alone) lists none.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime.errors import UsageError
from byoc_runtime.runner import run

JOBS_PACKAGE = "jobs"
HELP_WORDS = ("help", "--help", "-h")


def available_jobs() -> dict[str, str]:
    """Job name -> first docstring line, read without importing (a job's own dependencies may be absent).

    An image that installed the runtime but has no `jobs` package has no jobs: not an error.
    """
    try:
        package = importlib.import_module(JOBS_PACKAGE)
    except ModuleNotFoundError as exc:
        if exc.name != JOBS_PACKAGE:
            raise
        return {}
    jobs: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        spec = importlib.util.find_spec(f"{JOBS_PACKAGE}.{info.name}")
        origin = spec.origin if spec is not None else None
        doc = ast.get_docstring(ast.parse(Path(origin).read_text(encoding="utf-8"))) if origin else None
        jobs[info.name] = (doc or "").splitlines()[0] if doc else ""
    return jobs


def usage() -> str:
    lines = [
        "usage: docker run IMAGE JOB [ARGS...]   (JOB ARGS... are the job's ContainerArguments)",
        "       docker run --entrypoint python3 IMAGE /opt/ml/processing/input/code/script.py [ARGS...]",
        "",
        "jobs in this image:",
    ]
    jobs = [f"  {name:<16} {summary}" for name, summary in sorted(available_jobs().items())]
    lines += jobs or [f"  none (no `{JOBS_PACKAGE}` package on this image's Python path)"]
    lines += ["", "`JOB --help` shows a job's arguments. The job reads /opt/ml/config/*.json when present."]
    return "\n".join(lines)


def dispatch(argv: Sequence[str]) -> None:
    if not argv or argv[0] in HELP_WORDS:
        print(usage())
        return
    name, job_args = argv[0], argv[1:]
    jobs = available_jobs()
    if name not in jobs:
        raise UsageError(f"unknown job {name!r}; this image has: {', '.join(sorted(jobs)) or 'none'}")
    try:
        module = importlib.import_module(f"{JOBS_PACKAGE}.{name}")
    except ModuleNotFoundError as exc:
        raise UsageError(f"job {name!r} needs the Python module {exc.name!r}, which this image lacks") from exc
    module.main(job_args)


def main() -> None:
    run(dispatch, sys.argv[1:], skip_teardown=True)  # the kit's jobs close their outputs themselves


if __name__ == "__main__":
    main()
