"""Jobs created through the endpoint read and write its S3: staged inputs, uploaded outputs, and S3 calls the
job makes itself with the credentials the local backend serves it."""

from __future__ import annotations

from typing import Any

from tests.serve.conftest import Server, job_request, unique, wait_status

SKLEARN_IMAGE = "byoc/sklearn:latest"
COPY = ("import pathlib; src = pathlib.Path('/opt/ml/processing/input/data'); "
        "out = pathlib.Path('/opt/ml/processing/output/out'); out.mkdir(parents=True, exist_ok=True); "
        "[(out / p.name).write_text(p.read_text().upper()) for p in src.glob('*.txt')]")
CALLS_S3 = ("import boto3, sys; s3 = boto3.client('s3'); "
            "s3.put_object(Bucket=sys.argv[1], Key='inside/hello.txt', Body=b'from the job'); "
            "print(s3.get_object(Bucket=sys.argv[1], Key='in/a.txt')['Body'].read().decode())")


def test_a_job_reads_its_s3_input_and_its_output_lands_in_s3(server: Server) -> None:
    s3, sagemaker = server.client("s3"), server.client("sagemaker")
    bucket = unique("data")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"alpha")
    s3.put_object(Bucket=bucket, Key="in/b.txt", Body=b"beta")
    name = unique("s3job")
    sagemaker.create_processing_job(**job_request(
        name, AppSpecification={"ImageUri": SKLEARN_IMAGE, "ContainerEntrypoint": ["python3", "-c", COPY]},
        ProcessingInputs=[{"InputName": "data", "S3Input": {
            "S3Uri": f"s3://{bucket}/in/", "LocalPath": "/opt/ml/processing/input/data", "S3DataType": "S3Prefix",
            "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}}],
        ProcessingOutputConfig={"Outputs": [{"OutputName": "out", "S3Output": {
            "S3Uri": f"s3://{bucket}/out", "LocalPath": "/opt/ml/processing/output/out",
            "S3UploadMode": "EndOfJob"}}]}))
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    got = {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
           for o in s3.list_objects_v2(Bucket=bucket, Prefix="out/")["Contents"]}
    assert got == {"out/a.txt": b"ALPHA", "out/b.txt": b"BETA"}


def test_a_job_calls_the_endpoints_s3_itself(server: Server) -> None:
    s3, sagemaker, logs = server.client("s3"), server.client("sagemaker"), server.client("logs")
    bucket = unique("inside")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"read from inside")
    name = unique("calls")
    sagemaker.create_processing_job(**job_request(
        name, AppSpecification={"ImageUri": SKLEARN_IMAGE, "ContainerEntrypoint": ["python3", "-c", CALLS_S3],
                                "ContainerArguments": [bucket]}))
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    assert s3.get_object(Bucket=bucket, Key="inside/hello.txt")["Body"].read() == b"from the job"
    stream = f"{name}/algo-1-{int(done['ProcessingStartTime'].timestamp())}"
    events: Any = logs.get_log_events(logGroupName="/aws/sagemaker/ProcessingJobs", logStreamName=stream,
                                      startFromHead=True)["events"]
    assert "read from inside" in [e["message"] for e in events]
