"""A processing job as SageMaker SDK v3 code writes it: nothing here knows it runs locally.

With `byoc serve` running and its exports set (`eval "$(byoc serve --print-env)"`), this runs on the local
Docker engine; with AWS credentials and no exports, the same file runs on SageMaker (given a role and an
image in ECR).

    python examples/sdk/processing_job.py [ROLE_ARN] [IMAGE_URI]
"""

import sys
from pathlib import Path

import boto3
from sagemaker.core.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.core.shapes import ProcessingS3Input, ProcessingS3Output

ROLE = sys.argv[1] if len(sys.argv) > 1 else "arn:aws:iam::000000000000:role/SageMakerRole"
IMAGE = sys.argv[2] if len(sys.argv) > 2 else "byoc/base:latest"
BUCKET = "sagemaker-local"
DATA = Path(__file__).resolve().parent.parent / "data" / "reviews"

s3 = boto3.client("s3")
for path in sorted(DATA.glob("*.tsv")):
    s3.upload_file(str(path), BUCKET, f"quickstart/input/{path.name}")

# The image's own ENTRYPOINT runs the job the arguments name: `inventory` reports what each host got.
processor = Processor(role=ROLE, image_uri=IMAGE, instance_count=2, instance_type="ml.m5.xlarge")
processor.run(
    arguments=["inventory", "--output", "inventory"],
    inputs=[ProcessingInput(input_name="data", s3_input=ProcessingS3Input(
        s3_uri=f"s3://{BUCKET}/quickstart/input/", local_path="/opt/ml/processing/input/data",
        s3_data_type="S3Prefix", s3_input_mode="File", s3_data_distribution_type="ShardedByS3Key"))],
    outputs=[ProcessingOutput(output_name="inventory", s3_output=ProcessingS3Output(
        s3_uri=f"s3://{BUCKET}/quickstart/output/", local_path="/opt/ml/processing/output/inventory",
        s3_upload_mode="EndOfJob"))],
    wait=True, logs=True,
)
listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="quickstart/output/")
print("outputs:", *(item["Key"] for item in listed.get("Contents", [])), sep="\n  ")
