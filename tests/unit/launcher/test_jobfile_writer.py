"""A definition written as a job file loads back to the same definition, and reads like one a person wrote."""

from __future__ import annotations

from pathlib import Path

import yaml

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
)
from launcher.jobfile import load_job_file
from launcher.jobfile_writer import job_file_text

ROLE = "arn:aws:iam::123456789012:role/SageMakerProcessing"
JOB = JobDefinition(
    image_uri="byoc/sklearn:latest", role=ROLE, instance_count=2, arguments=("--k", "4", "yes", "1.10"),
    env={"MODE": "full", "DEBUG": "true", "N": "0755"}, max_runtime_in_seconds=600, base_job_name="churn",
    volume_kms_key="alias/v", output_kms_key="alias/o",
    network_config=NetworkConfig(enable_network_isolation=True, security_group_ids=("sg-1",), subnets=("subnet-1",)),
    tags={"team": "ml", "cost-center": "4242"}, experiment_config={"ExperimentName": "churn", "TrialName": "t-1"},
    inputs=(
        ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw", s3_input_mode="Pipe",
                        s3_data_distribution_type="ShardedByS3Key"),
        ProcessingInput(input_name="orders", dataset_definition=DatasetDefinition(
            local_path="/opt/ml/processing/input/orders", athena_dataset_definition=AthenaDatasetDefinition(
                "AwsDataCatalog", "sales", "SELECT * FROM orders", "s3://bkt/athena/", output_format="PARQUET"))),
    ),
    outputs=(
        ProcessingOutput("/opt/ml/processing/output/clean", "/home/me/out/clean", "clean", "Continuous"),
        ProcessingOutput(output_name="features", app_managed=True, feature_store_output=FeatureStoreOutput("fg")),
    ),
)


def test_a_written_job_file_loads_back_to_the_definition(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(job_file_text(JOB, comments=["a replay of x", "", "image: y"]))
    assert load_job_file(path) == JOB
    text = path.read_text()
    assert text.startswith("# a replay of x\n#\n# image: y\nimage_uri: byoc/sklearn:latest\n")


def test_defaults_are_left_out_but_the_jobs_size_is_always_written() -> None:
    data = yaml.safe_load(job_file_text(JobDefinition("byoc/base:latest", inputs=(
        ProcessingInput("s3://b/k/", "/opt/ml/processing/input/k", "k"),))))
    assert data == {"image_uri": "byoc/base:latest", "instance_count": 1, "instance_type": "ml.m5.xlarge",
                    "inputs": [{"source": "s3://b/k/", "destination": "/opt/ml/processing/input/k", "input_name": "k"}]}
