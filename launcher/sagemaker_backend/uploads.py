"""Local inputs and `code` go to S3 before the job is created, because SageMaker only reads S3.

Layout (documented in the README), one folder per input so two inputs never share a key prefix:

    s3://<bucket>/<prefix>/<job name>/input/<input name>/<path relative to the folder>   a folder
    s3://<bucket>/<prefix>/<job name>/input/<input name>/<file name>                     a file

A folder's S3Uri is its prefix with a trailing "/" (`.../input/data` would also match
`.../input/data2/`); a file's is the object itself, as the SDK's own upload makes it, so it lands as
its basename in the container. Uploads go through boto3's transfer manager
(`launcher.storage.transfer`) with one progress bar on stderr.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from launcher.definition import CODE_INPUT_NAME, JobDefinition, uri_scheme
from launcher.errors import JobDefinitionError, Problem
from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import LocationError
from launcher.storage.locations import LocalLocation, S3Location, parse_location
from launcher.storage.transfer import upload, upload_one


@dataclass(frozen=True, slots=True)
class Upload:
    """One local input and where it goes: a folder to a prefix, or a file to one object."""

    input_name: str
    source: Path
    target: S3Location

    @property
    def is_folder(self) -> bool:
        return self.target.key.endswith("/")


def staging_prefix(bucket: str, prefix: str, job_name: str, direction: str, name: str) -> S3Location:
    """`s3://<bucket>/<prefix>/<job>/<input|output>/<name>/`; an empty prefix is left out."""
    return S3Location(bucket, "/".join(p for p in (prefix, job_name, direction, name) if p) + "/")


def plan_uploads(definition: JobDefinition, bucket: str, prefix: str, job_name: str) -> tuple[Upload, ...]:
    """The uploads a job needs, `code` included; raises JobDefinitionError naming each input that cannot go.

    No bytes move here, so `--dry-run` shows the S3 URIs a real run would use.
    """
    plans: list[Upload] = []
    problems: list[Problem] = []
    job = definition.normalized()
    for i, item in enumerate(job.inputs):
        is_code = definition.code is not None and item.input_name == CODE_INPUT_NAME
        path = "code" if is_code else f"inputs[{i}].source"
        if item.source is None or item.input_name is None or uri_scheme(item.source) == "s3":
            continue
        try:
            location = parse_location(item.source)
        except LocationError as exc:
            problems.append(Problem(path, f"{exc.reason}; the sagemaker backend reads s3:// URIs and local paths"))
            continue
        assert isinstance(location, LocalLocation)
        source = location.path
        target = staging_prefix(bucket, prefix, job_name, "input", item.input_name)
        if item.s3_data_type == "ManifestFile":
            problems.append(Problem(path, f"{item.source!r} is a local ManifestFile; SageMaker reads manifests "
                                          "from S3 only: upload it and the objects it lists, and use its s3:// URI"))
        elif source.is_dir():
            plans.append(Upload(item.input_name, source, target))
        elif source.is_file():
            plans.append(Upload(item.input_name, source, S3Location(bucket, target.key + source.name)))
        else:
            problems.append(Problem(path, f"{str(source)!r} does not exist (a local input is uploaded to S3 first)"))
    if problems:
        raise JobDefinitionError(problems)
    return tuple(plans)


def perform_uploads(plans: Iterable[Upload], s3: S3ClientProvider, console: Console | None) -> None:
    """Upload every planned input, with one byte-count progress bar on `console` (stderr)."""
    plans = tuple(plans)
    if not plans:
        return
    total = sum(_size(plan.source) for plan in plans)
    columns = (TextColumn("uploading {task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, disable=console is None, transient=False) as progress:
        task = progress.add_task(", ".join(p.input_name for p in plans), total=total)

        def advance(done: int) -> None:
            progress.advance(task, done)

        for plan in plans:
            if plan.is_folder:
                report = upload(plan.source, plan.target, s3, progress=advance)
                if not report.uploaded:
                    raise JobDefinitionError([Problem(
                        f"input {plan.input_name!r}", f"folder {str(plan.source)!r} has no files to upload; SageMaker "
                        "would fail the job with 'No S3 objects found'")])
                if report.skipped and console is not None:
                    skipped = ", ".join(f"{s.relative_path} ({s.reason})" for s in report.skipped)
                    console.print(f"[yellow]not uploaded[/] from {plan.source}: {skipped}", highlight=False)
            else:
                parent = S3Location(plan.target.bucket, plan.target.key.rsplit("/", 1)[0] + "/")
                upload_one(plan.source, parent, PurePosixPath(plan.source.name), s3, progress=advance)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            file = Path(folder, name)
            if file.is_file() and not file.is_symlink():
                total += file.stat().st_size
    return total
