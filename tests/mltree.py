"""Build a fake /opt/ml tree on disk, shaped the way SageMaker lays it out, for runtime and image tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def job_config(
    *,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
    instance_count: int = 1,
    arguments: list[str] | None = None,
    input_mode: str = "File",
) -> dict[str, Any]:
    """A processingjobconfig.json in the documented shape; inputs/outputs map names to LocalPaths."""
    return {
        "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/test-job",
        "ProcessingJobName": "test-job",
        "AppSpecification": {
            "ImageUri": "byoc/base:latest",
            "ContainerEntrypoint": None,
            "ContainerArguments": arguments,
        },
        "Environment": {},
        "ProcessingInputs": [
            {
                "InputName": name,
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": f"s3://bucket/{name}/",
                    "LocalPath": local,
                    "S3DataType": "S3Prefix",
                    "S3InputMode": input_mode,
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                    "S3DownloadMode": "StartOfJob",
                },
            }
            for name, local in (inputs or {}).items()
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": name,
                    "AppManaged": False,
                    "S3Output": {"S3Uri": f"s3://bucket/out/{name}/", "LocalPath": local, "S3UploadMode": "EndOfJob"},
                }
                for name, local in (outputs or {}).items()
            ],
            "KmsKeyId": None,
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": instance_count,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": None,
            }
        },
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


@dataclass
class MlTree:
    """An /opt/ml stand-in below `root`; `path('/opt/ml/x')` maps a container path onto it."""

    root: Path
    files: dict[str, str] = field(default_factory=dict)

    def path(self, container_path: str) -> Path:
        return self.root / Path(container_path).relative_to("/opt/ml")

    def write_config(self, job: dict[str, Any], current_host: str = "algo-1", hosts: list[str] | None = None) -> None:
        config = self.root / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "processingjobconfig.json").write_text(json.dumps(job))
        resource = {"current_host": current_host, "hosts": hosts or [current_host]}
        (config / "resourceconfig.json").write_text(json.dumps(resource))
        for channel in job["ProcessingInputs"]:
            self.path(channel["S3Input"]["LocalPath"]).mkdir(parents=True, exist_ok=True)

    @property
    def message(self) -> str | None:
        file = self.root / "output" / "message"
        return file.read_text(encoding="utf-8") if file.exists() else None
