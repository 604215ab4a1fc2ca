"""A test job that reaches its peers, then puts an object in S3 itself: used as `code`.

    reach_s3.py BUCKET

Each host resolves every host, connects to every other host's port 7777 (each listens there until every
peer has connected), and writes <host>.json to output `out` (the addresses, the peers it reached, whether
its default gateway, the way to anything past its network (the internet), answers, the AWS variables it
was given), so a test can read it from the job folder even when the job fails; then it puts
<host>.txt into BUCKET with boto3, the endpoint from AWS_ENDPOINT_URL, and fails as boto3 fails.
"""

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence

import boto3

from byoc_runtime import load_context, run

PORT = 7777


def main(argv: Sequence[str]) -> None:
    ctx = load_context()
    host = ctx.current_host
    peers = [h for h in ctx.hosts if h != host]
    listener = socket.create_server(("", PORT))
    accepted = threading.Thread(target=_accept, args=(listener, len(peers)), daemon=True)
    accepted.start()
    report = {"resolved": {h: _resolve(h) for h in ctx.hosts}, "reached": [h for h in peers if _connect(h)],
              "gateway": _gateway(), "env": sorted(k for k in os.environ if k.startswith("AWS_"))}
    accepted.join(60)  # stay reachable until every peer has connected
    (ctx.output_dir("out") / f"{host}.json").write_text(json.dumps(report))
    print(f"{host} resolved {report['resolved']}; putting its object", flush=True)
    started = time.monotonic()
    try:
        boto3.client("s3").put_object(Bucket=argv[0], Key=f"{host}.txt", Body=host.encode())
    finally:
        print(f"{host} tried S3 for {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)


def _gateway() -> str:
    """"none" (no default route), "answers" (the gateway, on this machine, accepts or refuses a connection:
    past it lies the internet) or "silent" (the route leads to no one)."""
    with open("/proc/net/route") as table:
        hops = [line.split()[2] for line in list(table)[1:] if line.split()[1] == "00000000"]
    if not hops:
        return "none"
    address = socket.inet_ntoa(int(hops[0], 16).to_bytes(4, "little"))
    try:
        socket.create_connection((address, 9), timeout=5).close()  # the discard port: refused is an answer too
    except ConnectionRefusedError:
        return "answers"
    except OSError:
        return "silent"
    return "answers"


def _accept(listener: socket.socket, count: int) -> None:
    for _ in range(count):
        connection, _ = listener.accept()
        connection.close()


def _connect(name: str) -> bool:
    deadline = time.monotonic() + 30  # a peer listens once its container has started
    while time.monotonic() < deadline:
        try:
            socket.create_connection((name, PORT), timeout=5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def _resolve(name: str) -> str:
    deadline = time.monotonic() + 30  # a peer's name appears when its container starts: retry
    while True:
        try:
            return socket.gethostbyname(name)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


run(main)
