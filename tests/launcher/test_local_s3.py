"""s3:// inputs and outputs of the local backend against a real moto server."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.options import Staging
from tests.launcher.conftest import BASE_IMAGE, run_local


def test_sharded_by_s3_key_over_8_objects_on_4_hosts(tmp_path: Path, jobs_dir: Path, s3_endpoint: str,
                                                      s3_admin: Any, staging: Staging) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    for i in range(8):
        s3_admin.put_object(Bucket="bkt", Key=f"ecg/part-{i}.csv", Body=f"t,a\n{i},{i}\n".encode())
    s3_admin.put_object(Bucket="bkt", Key="ecgother/not-this.csv", Body=b"x")  # matches `ecg` but not `ecg/`
    job = JobDefinition(
        image_uri=BASE_IMAGE, arguments=("inventory", "--output", "out"), instance_count=4,
        inputs=(ProcessingInput("s3://bkt/ecg/", "/opt/ml/processing/input/ecg", "ecg",
                                s3_data_distribution_type="ShardedByS3Key"),),
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", "s3://bkt/inventory/", "out"),),
    )
    record = run_local(job, jobs_dir, endpoint_url=s3_endpoint, staging=staging)
    assert record.status == "Completed", record.failure_reason
    keys = sorted(o["Key"] for o in s3_admin.list_objects_v2(Bucket="bkt", Prefix="inventory/")["Contents"])
    assert keys == [f"inventory/algo-{i}.json" for i in (1, 2, 3, 4)]
    seen = [json.loads(s3_admin.get_object(Bucket="bkt", Key=k)["Body"].read())["channels"]["ecg"] for k in keys]
    assert Counter(name for files in seen for name in files) == Counter({f"part-{i}.csv": 1 for i in range(8)})
    assert [len(files) for files in seen] == [2, 2, 2, 2]


def test_a_missing_prefix_fails_the_job_naming_the_uri(tmp_path: Path, jobs_dir: Path, s3_endpoint: str,
                                                       s3_admin: Any) -> None:
    s3_admin.create_bucket(Bucket="bkt")
    job = JobDefinition(image_uri=BASE_IMAGE, arguments=("inventory",),
                        inputs=(ProcessingInput("s3://bkt/nothing/", "/opt/ml/processing/input/x", "x"),))
    record = run_local(job, jobs_dir, endpoint_url=s3_endpoint)
    assert record.status == "Failed"
    assert record.failure_reason == (
        'ClientError: No S3 objects found under S3 URL "s3://bkt/nothing/": check the bucket, the prefix, and that '
        'the credentials in use may s3:ListBucket on bucket "bkt"'
    )
