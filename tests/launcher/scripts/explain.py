"""A test job that fails or does nothing in the ways `hint` and `warning` lines explain; used as `code`.

    explain.py boto        algo-2 fails through byoc_runtime (an exit message); the others fail in botocore
                           (a connection refused, no exit message): one hint names them
    explain.py partial     input a (FullyReplicated) and input b (ShardedByS3Key) are read on algo-1 only,
                           input c nowhere; output out is written on every host, output empty nowhere
    explain.py pipe        Pipe input read is read through its FIFO on every host; Pipe input globbed is
                           looked for as *.csv files (finding only its FIFO and manifest) and never opened
"""

import glob
import pathlib
import socket
import sys
from collections.abc import Sequence

from byoc_runtime import load_context, open_channel, run


def own_reason(argv: Sequence[str]) -> None:
    raise ValueError("algo-2 has its own reason")


def boto() -> None:
    if socket.gethostname() == "algo-2":
        run(own_reason)  # writes /opt/ml/output/message and exits
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 1}, connect_timeout=1)
    client = boto3.client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="y", config=config)
    client.list_buckets()


def partial() -> None:
    ctx = load_context()
    if ctx.current_host == "algo-1":
        for name in ("a", "b"):
            for path in sorted(ctx.input_dir(name).glob("*.csv")):
                path.read_bytes()
    ctx.output_dir("out").joinpath(f"{ctx.current_host}.txt").write_text("done\n")


def pipe() -> None:
    ctx = load_context()
    with open_channel(ctx, "read") as stream:
        size = len(stream.read())
    found = glob.glob(str(ctx.input_dir("globbed") / "*.csv"))
    ctx.output_dir("out").joinpath(f"{ctx.current_host}.txt").write_text(f"{size} bytes, {len(found)} csv\n")


{"boto": boto, "partial": partial, "pipe": pipe}[sys.argv[1]]()
print(pathlib.Path(sys.argv[0]).name, sys.argv[1], "done", flush=True)
