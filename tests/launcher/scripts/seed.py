"""A seed-style test job: what many scripts do first, create a boto3 client at the top; used as `code`.

    seed.py [--call]

It prints the AWS_* variables it was given (names only), creates an S3 client with nothing passed to boto3,
and with --call then makes an AWS call (ListBuckets).
"""

import os
from collections.abc import Sequence

import boto3

from byoc_runtime import run


def main(argv: Sequence[str]) -> None:
    print("AWS variables:", sorted(name for name in os.environ if name.startswith("AWS_")), flush=True)
    client = boto3.client("s3")
    print("created an S3 client", flush=True)
    if "--call" in argv:
        client.list_buckets()
        print("listed the buckets", flush=True)


run(main)
