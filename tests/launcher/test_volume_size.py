"""volume_size_in_gb locally: File-mode inputs larger than a host's volume fail the job before anything is
copied, as SageMaker's ClientError does; Pipe-mode inputs take no room. The large input is a sparse file:
its 1.5 GiB cost no disk, and the test proves nothing was copied."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from launcher.definition import ProcessingInput
from launcher.local.options import Staging
from tests.launcher.conftest import SCRIPTS, behave_job, job_folder, run_local

GIB = 1 << 30


def big_input(tmp_path: Path) -> ProcessingInput:
    data = tmp_path / "big"
    data.mkdir()
    with (data / "part-0.bin").open("wb") as sparse:
        sparse.truncate(3 * GIB // 2)
    (data / "part-1.csv").write_text("a\n")
    return ProcessingInput(str(data), "/opt/ml/processing/input/big", "big")


def test_inputs_larger_than_the_volume_fail_the_job_before_anything_is_copied(
    tmp_path: Path, jobs_dir: Path, staging: Staging
) -> None:
    job = behave_job(tmp_path, "--write", "out", inputs=(big_input(tmp_path),), volume_size_in_gb=1, job_name="too-big")
    status = run_local(job, jobs_dir, staging=staging)
    assert status.status == "Failed"
    total = 3 * GIB // 2 + 2 + (SCRIPTS / "behave.py").stat().st_size
    assert status.failure_reason == (
        f"ClientError: Data download failed:Insufficient disk space: the File-mode inputs of algo-1 need 1.5 GB "
        f"({total} bytes), more than its volume_size_in_gb: 1 ({GIB} bytes): input 'big' 1.5 GB, input 'code' "
        f"{(SCRIPTS / 'behave.py').stat().st_size / 1024:.1f} KB. Raise volume_size_in_gb, spread input 'big' over "
        "more instances (ShardedByS3Key), or stream it (s3_input_mode: Pipe)"
    )
    assert status.cause_exit_code == 2  # a setting to change, as for a bad job file
    staged = job_folder(status) / "hosts/algo-1/ml/processing/input"
    assert [p for p in staged.rglob("*") if p.is_file()] == []
    assert [h.exit_code for h in status.hosts] == [None] and "create" not in status.timings  # no container made


def test_pipe_mode_inputs_take_no_room_on_the_volume(tmp_path: Path, jobs_dir: Path) -> None:
    piped = dataclasses.replace(big_input(tmp_path), s3_input_mode="Pipe")
    status = run_local(behave_job(tmp_path, "--write", "out", inputs=(piped,), volume_size_in_gb=1), jobs_dir)
    assert status.status == "Completed", status.failure_reason
    assert (tmp_path / "out/algo-1.json").is_file()
