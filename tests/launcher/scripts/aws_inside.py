"""A test job that calls S3 itself with boto3, as a job on SageMaker does with its role: used as `code`.

    aws_inside.py BUCKET PREFIX [--wait]

Nothing is passed to boto3: the endpoint comes from AWS_ENDPOINT_URL, the region from AWS_REGION, the
credentials from whatever the environment offers (the launcher's container credentials endpoint). Each
host puts PREFIX<host>.txt and writes a report to output `out` (how it got its credentials, the AWS_*
variables it was given, and a digest of its endpoint token, to tell jobs apart). With --wait it then waits for `release`
in its copy of channel `control` (the test inspects the running containers meanwhile), reads back the
next host's object, and puts what it read to PREFIX<host>-read.txt.
"""

import argparse
import hashlib
import json
import os
import time
from collections.abc import Sequence

import boto3

from byoc_runtime import load_context, run


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bucket")
    parser.add_argument("prefix")
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args(argv)
    ctx = load_context()
    host = ctx.current_host
    session = boto3.session.Session()
    s3 = session.client("s3")
    s3.put_object(Bucket=args.bucket, Key=f"{args.prefix}{host}.txt", Body=f"written by {host}".encode())
    credentials = session.get_credentials()
    token = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
    report = {"host": host, "method": credentials.method, "access_key_id": credentials.access_key,
              "env": sorted(k for k in os.environ if k.startswith("AWS_")),
              "token_sha256": hashlib.sha256(token.encode()).hexdigest()}
    (ctx.output_dir("out") / f"{host}.json").write_text(json.dumps(report))
    print(f"{host} put its object with {credentials.method} credentials", flush=True)
    if not args.wait:
        return
    release = ctx.input_dir("control") / "release"
    deadline = time.monotonic() + 120
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    peer = ctx.hosts[(ctx.host_index + 1) % ctx.host_count]
    body = s3.get_object(Bucket=args.bucket, Key=f"{args.prefix}{peer}.txt")["Body"].read()
    s3.put_object(Bucket=args.bucket, Key=f"{args.prefix}{host}-read.txt", Body=body)
    print(f"{host} read {peer}'s object back", flush=True)


run(main)
