"""`byoc debug` and `byoc run --keep` tests: a real failed job, its kept container, debug containers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from launcher.local.cluster import KIT, LABEL_JOB, LABEL_KIT
from tests.containers.conftest import image_tag
from tests.launcher.conftest import SCRIPTS, byoc

MESSAGE = "the data has no column [price] in [bold]houses[/bold]"


def kit_leftovers(prefix: str) -> set[str]:
    """Containers and networks of the kit whose job name starts with `prefix`."""
    client = docker.from_env()
    found = {c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters={"label": f"{LABEL_KIT}={KIT}"})
             if (c.get("Labels") or {}).get(LABEL_JOB, "").startswith(prefix)}
    return found | {n.name for n in client.networks.list(filters={"label": f"{LABEL_KIT}={KIT}"})
                    if (n.attrs.get("Labels") or {}).get(LABEL_JOB, "").startswith(prefix)}


@dataclass(frozen=True)
class FailedJob:
    """A 2-host job whose algo-2 failed (algo-1 completed first), run with --keep."""

    name: str
    jobs_dir: Path
    run_stderr: str


def run_failed_job(tmp_path: Path, *options: str) -> FailedJob:
    """`byoc run --keep` of the job (with `options`): algo-2 fails with exit code 4 and MESSAGE."""
    name = f"failing-{uuid.uuid4().hex[:10]}"
    data = tmp_path / "data"
    data.mkdir()
    (data / "houses.csv").write_text("rooms,price\n3,100\n")
    job = tmp_path / "job.yaml"
    job.write_text(
        f"job_name: {name}\nimage_uri: {image_tag('base')}\ninstance_count: 2\ncommand: [python3]\n"
        f"code: {SCRIPTS / 'behave.py'}\n"
        f"arguments: [--fail-on, algo-2, --sleep-on, algo-2=2, --message, '{MESSAGE}']\n"
        "env: {MODE: debugging, AWS_SECRET_ACCESS_KEY: not-a-real-secret}\n"
        "inputs: [{input_name: data, source: data, destination: /opt/ml/processing/input/data}]\n")
    jobs_dir = tmp_path / "jobs"
    result = byoc("run", str(job), "--keep", "--jobs-dir", str(jobs_dir), *options)
    assert result.returncode == 1, result.stderr
    return FailedJob(name, jobs_dir, result.stderr)


@pytest.fixture
def failed_job(tmp_path: Path) -> Iterator[FailedJob]:
    job = run_failed_job(tmp_path)
    yield job
    name, jobs_dir = job.name, job.jobs_dir
    left = kit_leftovers(name)
    byoc("clean", name, "--jobs-dir", str(jobs_dir))
    assert not left - {f"byoc-{name}-algo-2"}, f"left behind: {left}"
