"""DatasetDefinition inputs locally: the query's result given as a stand-in (`local_source`, a local path or an
S3 URI) is staged at the input's local_path like an S3 input, with the DatasetDefinition's distribution
(ShardedByS3Key unless set) and input mode; each host's config file still holds the query as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launcher.backend import describe_response
from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    JobDefinition,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
)
from tests.launcher.conftest import BASE_IMAGE, SCRIPTS, job_folder, run_local

ATHENA = AthenaDatasetDefinition(catalog="AwsDataCatalog", database="sales", query_string="SELECT * FROM orders",
                                 output_s3_uri="s3://athena-results/orders/", output_format="PARQUET")
LOCAL_PATH = "/opt/ml/processing/input/orders"


def query_input(local_source: str | None, **dataset: Any) -> ProcessingInput:
    dataset.setdefault("athena_dataset_definition", ATHENA)
    return ProcessingInput(input_name="orders", local_source=local_source,
                           dataset_definition=DatasetDefinition(local_path=LOCAL_PATH, **dataset))


def listing_job(tmp_path: Path, *inputs: ProcessingInput, **fields: Any) -> JobDefinition:
    return JobDefinition(image_uri=BASE_IMAGE, code=str(SCRIPTS / "listing.py"), command=("python3",),
                         inputs=inputs, instance_type="ml.t3.medium",
                         outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
                         **fields)


def stand_in_files(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"part-{i}.csv").write_text(f"order,amount\n{i},{i * 10}\n")
    return folder


def test_a_local_stand_in_is_sharded_over_the_hosts_by_key_and_the_config_keeps_the_query(
    tmp_path: Path, jobs_dir: Path
) -> None:
    source = stand_in_files(tmp_path / "orders", 4)
    status = run_local(listing_job(tmp_path, query_input(str(source)), instance_count=2, job_name="stand-in"),
                       jobs_dir)
    assert status.status == "Completed", status.failure_reason
    seen = {h: json.loads((tmp_path / f"out/{h}.json").read_text())["orders"] for h in ("algo-1", "algo-2")}
    assert seen == {
        "algo-1": {"files": ["part-0.csv", "part-2.csv"], "data_type": "DatasetDefinition",
                   "distribution": "ShardedByS3Key"},
        "algo-2": {"files": ["part-1.csv", "part-3.csv"], "data_type": "DatasetDefinition",
                   "distribution": "ShardedByS3Key"},
    }
    expected = {"InputName": "orders", "AppManaged": False, "DatasetDefinition": {
        "DataDistributionType": "ShardedByS3Key", "InputMode": "File", "LocalPath": LOCAL_PATH,
        "AthenaDatasetDefinition": {"Catalog": "AwsDataCatalog", "Database": "sales",
                                    "QueryString": "SELECT * FROM orders", "OutputS3Uri": "s3://athena-results/orders/",
                                    "OutputFormat": "PARQUET"}}}
    config = json.loads((job_folder(status) / "hosts/algo-2/ml/config/processingjobconfig.json").read_text())
    assert config["ProcessingInputs"][0] == expected  # no S3Input, no local_source: the request as written
    assert describe_response(status)["ProcessingInputs"][0] == expected
    assert (f"input 'orders': an Athena query is not run locally; its stand-in {source} is staged at {LOCAL_PATH} "
            "as the result would be (ShardedByS3Key, File mode)") in status.notices


def test_an_s3_stand_in_follows_the_definitions_distribution(
    tmp_path: Path, jobs_dir: Path, s3_endpoint: str, s3_admin: Any
) -> None:
    s3_admin.create_bucket(Bucket="results")
    for i in range(3):
        s3_admin.put_object(Bucket="results", Key=f"unload/part-{i}.csv", Body=b"a\n1\n")
    redshift = RedshiftDatasetDefinition(cluster_id="c1", database="dev", db_user="u", query_string="SELECT 1",
                                         cluster_role_arn="arn:aws:iam::123456789012:role/r",
                                         output_s3_uri="s3://results/unload/", output_format="CSV")
    item = query_input("s3://results/unload/", athena_dataset_definition=None, redshift_dataset_definition=redshift,
                       data_distribution_type="FullyReplicated")
    status = run_local(listing_job(tmp_path, item, instance_count=2), jobs_dir, endpoint_url=s3_endpoint)
    assert status.status == "Completed", status.failure_reason
    for host in ("algo-1", "algo-2"):
        seen = json.loads((tmp_path / f"out/{host}.json").read_text())["orders"]
        assert (seen["files"], seen["distribution"]) == (["part-0.csv", "part-1.csv", "part-2.csv"], "FullyReplicated")
    assert any(n.startswith("input 'orders': a Redshift query is not run locally") for n in status.notices)


def test_a_query_without_a_stand_in_fails_naming_the_input_and_how_before_anything_runs(
    tmp_path: Path, jobs_dir: Path
) -> None:
    status = run_local(listing_job(tmp_path, query_input(None)), jobs_dir)
    assert status.status == "Failed"
    assert status.failure_reason == (
        "ClientError: input 'orders' is an Athena query, which the local backend cannot run: give its result as a "
        "stand-in, `local_source: <local path or s3:// URI>` on the input in the job file (a sample of the query's "
        "output); it is staged at the input's local_path as the result would be, and never sent to SageMaker, "
        "which runs the query"
    )
    assert status.cause_exit_code == 2
    assert [h.exit_code for h in status.hosts] == [None] and "create" not in status.timings
