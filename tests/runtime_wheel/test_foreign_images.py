"""The wheel in images the kit did not make: Debian's Python 3.9, 3.11 and 3.13, pip-installed or unpacked.

Each runs job.py through the local backend exactly as a user's ScriptProcessor-style job: a File-mode
input, a Pipe-mode input read by the runtime's Pipe reader, an output, and a failure that must come
back as the runtime's exit code and exit message.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from tests.launcher.conftest import job_folder, run_local
from tests.runtime_wheel.conftest import BASES, DOCKER, RECIPES, kit_version

JOB = Path(__file__).parent / "job.py"
IMAGES = [pytest.param(base, recipe, id=f"{base}-{recipe}") for base in BASES for recipe in RECIPES]

TABLE = {"a.csv": "name,value\nx,1\ny,2\n", "sub/b.csv": "name,value\nz,40\n"}
STREAM = {"c.csv": "name,value\np,5\nq,6\nr,7\n", "sub/d.csv": "name,value\ns,100\n"}


def write_objects(folder: Path, objects: dict[str, str]) -> str:
    for name, text in objects.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return str(folder)


def run_job(image: str, tmp_path: Path, jobs_dir: Path, stream: dict[str, str]) -> JobStatus:
    definition = JobDefinition(
        image_uri=image, code=str(JOB), command=("python3",), arguments=("--from", "test"),
        inputs=(
            ProcessingInput(write_objects(tmp_path / "table", TABLE), "/opt/ml/processing/input/table", "table"),
            ProcessingInput(write_objects(tmp_path / "stream", stream), "/opt/ml/processing/input/stream", "stream",
                            s3_input_mode="Pipe"),
        ),
        outputs=(ProcessingOutput("/opt/ml/processing/output/summary", str(tmp_path / "out"), "summary"),),
    )
    return run_local(definition, jobs_dir)


@pytest.mark.parametrize(("base", "recipe"), IMAGES)
def test_a_job_reads_file_and_pipe_inputs_and_writes_its_output(
    base: str, recipe: str, foreign_image: Callable[[str, str], str], tmp_path: Path, jobs_dir: Path
) -> None:
    record = run_job(foreign_image(base, recipe), tmp_path, jobs_dir, STREAM)

    assert record.status == "Completed", record.failure_reason
    assert [h.exit_code for h in record.hosts] == [0]
    report = json.loads((tmp_path / "out" / "algo-1.json").read_text())
    assert tuple(report["python"][:2]) == BASES[base].python
    assert report["runtime_version"] == kit_version()
    site = "/opt/venv/lib/" if recipe == "pip" else "/usr/local/lib/"
    assert report["runtime_file"].startswith(site) and report["runtime_file"].endswith("/byoc_runtime/__init__.py")
    assert report["argv"] == ["--from", "test"] and report["host"] == "algo-1"
    assert report["table"] == {"mode": "File", "objects": [
        {"name": "a.csv", "uri": "/opt/ml/processing/input/table/a.csv", "header": ["name", "value"], "rows": 2,
         "total": 3},
        {"name": "sub/b.csv", "uri": "/opt/ml/processing/input/table/sub/b.csv", "header": ["name", "value"],
         "rows": 1, "total": 40},
    ]}
    prefix = f"{tmp_path / 'stream'}/"
    assert report["manifest"] == [f"{prefix}c.csv", f"{prefix}sub/d.csv"]
    assert report["stream"] == {"mode": "Pipe", "objects": [
        {"name": "c.csv", "uri": f"{prefix}c.csv", "header": ["name", "value"], "rows": 3, "total": 18},
        {"name": "sub/d.csv", "uri": f"{prefix}sub/d.csv", "header": ["name", "value"], "rows": 1, "total": 100},
    ]}


@pytest.mark.parametrize(("base", "recipe"), IMAGES)
def test_bad_input_fails_the_job_with_the_runtimes_exit_code_and_message(
    base: str, recipe: str, foreign_image: Callable[[str, str], str], tmp_path: Path, jobs_dir: Path
) -> None:
    bad = {**STREAM, "sub/d.csv": "name,value\ns,100\nt,x9\n"}
    record = run_job(foreign_image(base, recipe), tmp_path, jobs_dir, bad)

    message = "InputError: channel 'stream', file 'sub/d.csv' line 3: value 'x9' is not an integer"
    assert record.status == "Failed"
    assert [h.exit_code for h in record.hosts] == [4]
    assert record.exit_message == f"[algo-1] {message}"
    assert record.failure_reason == f"AlgorithmError: {message}, exit code: 4 (host algo-1)"
    assert (job_folder(record) / "hosts/algo-1/ml/output/message").read_text() == message
    assert not (tmp_path / "out").exists()  # a failed job uploads nothing


@pytest.mark.parametrize(("base", "recipe"), IMAGES)
def test_python_m_byoc_runtime_without_jobs_lists_none_and_refuses_a_job_by_name(
    base: str, recipe: str, foreign_image: Callable[[str, str], str]
) -> None:
    image = foreign_image(base, recipe)
    listing = docker_run(image, "python3", "-m", "byoc_runtime")
    assert listing.returncode == 0, listing.stderr
    assert "jobs in this image:\n  none (no `jobs` package on this image's Python path)" in listing.stdout
    unknown = docker_run(image, "python3", "-m", "byoc_runtime", "pca_ecg")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "UsageError: unknown job 'pca_ecg'; this image has: none"


def docker_run(image: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DOCKER, "run", "--rm", "--network", "none", image, *command], capture_output=True,
                          text=True, timeout=60, check=False)
