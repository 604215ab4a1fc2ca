"""Write what this host sees of the contract (hosts, channels, files, checksums) as <output>/<host>.json.

A stdlib-only job for checking a launcher or a cluster set-up: which files each host got (sharding),
how hosts are named, what arguments and environment reached the container.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime import ArgumentParser, JobContext, load_context

CHUNK = 1 << 20


def main(argv: Sequence[str]) -> None:
    parser = ArgumentParser(prog="inventory", description=__doc__)
    parser.add_argument("--output", default="inventory", help="output name to write <host>.json to")
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to wait before finishing")
    parser.add_argument("--env", action="append", default=[], help="environment variable to report")
    args = parser.parse_args(argv)
    ctx = load_context()
    report = describe(ctx, list(argv), args.env)
    if args.sleep:
        print(f"inventory: {ctx.current_host} sleeping {args.sleep:g} s", flush=True)
        time.sleep(args.sleep)
    target = ctx.output_dir(args.output) / f"{ctx.current_host}.json"
    target.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"inventory: {ctx.current_host} wrote {target}")


def describe(ctx: JobContext, argv: list[str], env_names: list[str]) -> dict[str, object]:
    return {
        "job_name": ctx.job.job_name,
        "current_host": ctx.current_host,
        "hostname": socket.gethostname(),
        "hosts": list(ctx.hosts),
        "host_index": ctx.host_index,
        "argv": argv,
        "uid": os.getuid(),
        "env": {name: os.environ.get(name) for name in env_names},
        "channels": {c.name: _files(ctx.layout.local(c.local_path)) for c in ctx.job.inputs if c.input_mode == "File"},
    }


def _files(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every regular file below `folder`."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                while block := stream.read(CHUNK):
                    digest.update(block)
            found[path.relative_to(folder).as_posix()] = digest.hexdigest()
    return found
