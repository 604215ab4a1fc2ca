"""One job through `byoc serve` with plain boto3 against the same job through `byoc run`, in the same run.

    python -m bench.serve_vs_run [--rounds 3]

Both sides are whole client processes, as a user runs them: a Python script that creates the job with
boto3's CreateProcessingJob and polls DescribeProcessingJob until it ends (every 0.1 s; boto3's own
waiter polls every 60 s), against `byoc run job.yaml --quiet`. The job is the same on both: the base
image's `inventory` over 8 objects of the endpoint's embedded S3 into an S3 output, on 1 instance.
Target: the endpoint takes 1.1x or less the time of `byoc run`.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from bench.timing import MIN_ROUNDS, Result, Target, compare, report

REPO = Path(__file__).resolve().parents[1]
SERVE = [sys.executable, "-m", "launcher.cli", "serve"]
BYOC = str(Path(sys.executable).parent / "byoc")
BUCKET = "bench"
CLIENT = """
import sys, time, boto3
sm = boto3.client("sagemaker")
name = sys.argv[1]
sm.create_processing_job(
    ProcessingJobName=name, RoleArn="arn:aws:iam::000000000000:role/bench",
    AppSpecification={"ImageUri": "byoc/base:latest", "ContainerArguments": ["inventory", "--output", "out"]},
    ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 1}},
    ProcessingInputs=[{"InputName": "data", "S3Input": {
        "S3Uri": "s3://bench/data/", "LocalPath": "/opt/ml/processing/input/data", "S3DataType": "S3Prefix",
        "S3InputMode": "File"}}],
    ProcessingOutputConfig={"Outputs": [{"OutputName": "out", "S3Output": {
        "S3Uri": f"s3://bench/{name}/", "LocalPath": "/opt/ml/processing/output/out", "S3UploadMode": "EndOfJob"}}]})
while (status := sm.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"]) not in (
        "Completed", "Failed", "Stopped"):
    time.sleep(0.1)
if status != "Completed":
    sys.exit(f"{name} {status}: {sm.describe_processing_job(ProcessingJobName=name).get('FailureReason')}")
"""


def start(root: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    state = root / "state"
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen([*SERVE, "--port", "0", "--state-dir", str(state), "--jobs-dir", str(root / "jobs")],
                               cwd=REPO, stdout=log, stderr=log)
    while not (state / "server.json").exists():
        if process.poll() is not None:
            raise SystemExit(f"byoc serve exited: {(root / 'serve.log').read_text()}")
        time.sleep(0.05)
    keys = json.loads((state / "credentials.json").read_text())
    url = json.loads((state / "server.json").read_text())["url"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BYOC_"))}
    env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=keys["AccessKeyId"], AWS_DEFAULT_REGION="us-east-1",
               AWS_SECRET_ACCESS_KEY=keys["SecretAccessKey"], BYOC_JOBS_DIR=str(root / "run-jobs"))
    return process, env


def seed(env: dict[str, str]) -> None:
    s3: Any = boto3.session.Session().client(
        "s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    s3.create_bucket(Bucket=BUCKET)
    for i in range(8):
        s3.put_object(Bucket=BUCKET, Key=f"data/part-{i}.csv", Body=b"t,a\n" + b"1,2\n" * 2000)


def job_file(root: Path) -> Path:
    job = root / "job.yaml"
    job.write_text(
        "base_job_name: bench-run\nimage_uri: byoc/base:latest\nvolume_size_in_gb: 1\n"
        'arguments: ["inventory", "--output", "out"]\n'
        "inputs:\n  - {source: 's3://bench/data/', destination: /opt/ml/processing/input/data, input_name: data}\n"
        "outputs:\n  - {source: /opt/ml/processing/output/out, destination: 's3://bench/run-out/', output_name: out}\n")
    return job


def through_endpoint(env: dict[str, str], names: itertools.count[int]) -> None:
    subprocess.run([sys.executable, "-c", CLIENT, f"bench-serve-{next(names)}"], env=env, check=True)


def through_run(env: dict[str, str], job: Path) -> None:
    subprocess.run([BYOC, "run", str(job), "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def main(rounds: int = MIN_ROUNDS) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-serve-") as tmp:
        root = Path(tmp)
        server, env = start(root)
        try:
            seed(env)
            ours, base = compare(functools.partial(through_endpoint, env, itertools.count()),
                                 functools.partial(through_run, env, job_file(root)), rounds)
        finally:
            server.terminate()
            server.wait(60)
    return [report("one job: boto3 through byoc serve vs byoc run", ours, base, target=Target(1.1))]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    main(parser.parse_args().rounds)
