"""A test job whose behaviour per host is set by arguments: used as ScriptProcessor-style `code`.

    behave.py [--fail-on HOST] [--message TEXT] [--sleep-on HOST=SECONDS] [--write NAME] [--files N]
              [--clash] [--resolve]
"""

import argparse
import json
import os
import socket
import time
from collections.abc import Sequence

from byoc_runtime import InputError, load_context, run


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-on", default=None)
    parser.add_argument("--sleep-on", action="append", default=[])
    parser.add_argument("--write", default=None, help="output name to write <host>.json into")
    parser.add_argument("--same-name", action="store_true", help="every host writes result.json")
    parser.add_argument("--continuous-then-wait", default=None, help="write part-1.txt to this output, then wait")
    parser.add_argument("--resolve", action="store_true", help="resolve every host by name")
    parser.add_argument("--message", default="this host was told to fail", help="what the failing host says")
    parser.add_argument("--files", type=int, default=0, help="also write N files f0000.txt ... to the output")
    parser.add_argument("--clash", action="store_true", help="algo-1 writes file x, the others a folder x/")
    args = parser.parse_args(argv)
    ctx = load_context()
    host = ctx.current_host
    print(f"{host} starting", flush=True)
    aws_env = {k: v for k, v in os.environ.items() if k.startswith("AWS")}
    report: dict[str, object] = {"host": host, "hosts": list(ctx.hosts), "env": aws_env}
    if args.resolve:
        report["resolved"] = {h: _resolve(h) for h in ctx.hosts}
    for item in args.sleep_on:
        name, seconds = item.split("=")
        if name == host:
            print(f"{host} sleeping {seconds}", flush=True)
            time.sleep(float(seconds))
    if args.continuous_then_wait:
        out = ctx.output_dir(args.continuous_then_wait)
        (out / f"part-1-{host}.txt").write_text("first part\n")
        release = ctx.input_dir("control") / "release"
        deadline = time.monotonic() + 120
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        (out / f"part-2-{host}.txt").write_text("second part\n")
    if args.fail_on == host:
        raise InputError(args.message, channel="data", file="bad.csv", line=3)
    if args.write:
        out = ctx.output_dir(args.write)
        name = "result.json" if args.same_name else f"{host}.json"
        (out / name).write_text(json.dumps(report))
        for i in range(args.files):
            (out / f"f{i:04d}.txt").write_text(f"{i}\n")
        if args.clash:
            if host == "algo-1":
                (out / "x").write_text("a file\n")
            else:
                (out / "x").mkdir(exist_ok=True)
                (out / "x" / "y").write_text("in a folder\n")

    print(f"{host} done", flush=True)


def _resolve(name: str) -> str:
    deadline = time.monotonic() + 30  # peers' DNS may lag, as on SageMaker: retry
    while True:
        try:
            return socket.gethostbyname(name)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


run(main)
