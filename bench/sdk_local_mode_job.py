"""One processing job through SageMaker Python SDK v2 local mode; run by bench.vs_sdk_local_mode in the SDK's venv.

    <sdk venv>/bin/python bench/sdk_local_mode_job.py IMAGE COUNT DISTRIBUTION DATA_DIR OUT_DIR JOB_NAME COMMAND...

Local mode's own client (`LocalSession().sagemaker_client`, what `Processor.run` ends up calling)
with file:// input and output, so no S3 and no AWS account are involved: `Processor.run` itself
uploads local inputs to the session's default bucket first, which needs AWS. The SDK's telemetry (a
request to AWS after each call) is opted out of. The input's S3DataDistributionType is the bench's
choice; the hosts' lines are printed (docker compose's `host | line`), for the bench to read. The
command goes in whole as ContainerEntrypoint: local mode fails (KeyError 'entrypoint') on
ContainerArguments without one.
Imports only the SDK and the standard library: it runs where the kit is not installed.
"""

from __future__ import annotations

import sys

from sagemaker.local import LocalSession

ROLE = "arn:aws:iam::000000000000:role/bench"
NO_TELEMETRY = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


def main(image: str, count: int, distribution: str, data: str, out: str, job_name: str,
         command: list[str]) -> None:
    session = LocalSession(sagemaker_config=NO_TELEMETRY)
    session.config = {"local": {"local_code": True}}
    session.sagemaker_client.create_processing_job(
        ProcessingJobName=job_name,
        RoleArn=ROLE,
        AppSpecification={"ImageUri": image, "ContainerEntrypoint": command},
        ProcessingResources={"ClusterConfig": {"InstanceCount": count, "InstanceType": "local", "VolumeSizeInGB": 1}},
        ProcessingInputs=[{"InputName": "ecg", "S3Input": {
            "S3Uri": f"file://{data}", "LocalPath": "/opt/ml/processing/input/ecg", "S3DataType": "S3Prefix",
            "S3InputMode": "File", "S3DataDistributionType": distribution}}],
        ProcessingOutputConfig={"Outputs": [{"OutputName": "pca", "S3Output": {
            "S3Uri": f"file://{out}", "LocalPath": "/opt/ml/processing/output/pca", "S3UploadMode": "EndOfJob"}}]},
    )
    status = session.sagemaker_client.describe_processing_job(job_name)["ProcessingJobStatus"]
    if status != "Completed":
        raise SystemExit(f"SDK local mode job {job_name}: {status}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:])
