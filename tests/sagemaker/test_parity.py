"""One job file, two backends, one request: the local job's request.json is the SageMaker dry run's body.

The local run is real (containers of `byoc/base`, the `byoc` command in its own process); the SageMaker
side is the dry run, i.e. the body the SDK would send. They may differ only in the S3Uri of a local input,
which the SageMaker backend uploads first, and that of a local output, which it stages in S3 and
downloads after the job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.launcher.conftest import byoc as run_cli
from tests.sagemaker.conftest import ROLE, byoc

JOB = f"""
image_uri: byoc/base:latest
role: {ROLE}
instance_count: 2
arguments: [inventory, --output, out]
env: {{MODE: parity}}
max_runtime_in_seconds: 600
inputs:
  - {{source: data, destination: /opt/ml/processing/input/data, input_name: data}}
  - {{source: s3://bkt/lookup/, destination: /opt/ml/processing/input/lookup, input_name: lookup,
     s3_data_distribution_type: ShardedByS3Key}}
outputs:
  - {{source: /opt/ml/processing/output/out, destination: out, output_name: out}}
"""


@pytest.mark.docker
def test_both_backends_get_the_same_definition_and_request(
    write_job: Callable[[str], Path], bucket: str, s3_admin: Any, tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    for i in range(2):
        s3_admin.put_object(Bucket=bucket, Key=f"lookup/part-{i}.csv", Body=b"k\n1\n")
    job_file = str(write_job(JOB))
    local = run_cli("run", job_file, "--job-name", "parity", "--jobs-dir", str(tmp_path / "jobs"), "--quiet")
    assert local.returncode == 0, local.stderr + local.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["algo-1.json", "algo-2.json"]
    remote = byoc("run", job_file, "--backend", "sagemaker", "--dry-run", "--job-name", "parity", "--bucket", bucket)
    assert remote.exit_code == 0, remote.stderr

    local_request = json.loads((tmp_path / "jobs" / "parity" / "request.json").read_text())
    sagemaker_request = json.loads(remote.stdout)
    assert local_request["ProcessingInputs"][0]["S3Input"]["S3Uri"] == str(tmp_path / "data")
    assert sagemaker_request["ProcessingInputs"][0]["S3Input"]["S3Uri"] == "s3://bkt/byoc/parity/input/data/"
    assert local_request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == str(tmp_path / "out")
    staged = sagemaker_request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    assert staged == "s3://bkt/byoc/parity/output/out/"
    for request in (local_request, sagemaker_request):
        request["ProcessingInputs"][0]["S3Input"]["S3Uri"] = "<uploaded local input>"
        request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] = "<staged local output>"
    assert sorted(local_request) == sorted(sagemaker_request)
    for field in local_request:
        assert local_request[field] == sagemaker_request[field], field
