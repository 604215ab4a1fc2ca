"""A test job that says what it was given: used as `code`.

    listing.py [--write-into PATH]

Each host writes <host>.json to output `out`: for every input of its context, the files in it (relative
paths, sorted) and its data type and distribution as the config file states them. With --write-into,
it also writes <host>.txt into the container folder PATH, a folder of no S3 output.
"""

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime import load_context, run


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-into", default=None)
    args = parser.parse_args(argv)
    ctx = load_context()
    host = ctx.current_host
    report = {}
    for channel in ctx.job.inputs:
        root = ctx.input_dir(channel.name)
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        report[channel.name] = {"files": files, "data_type": channel.data_type, "distribution": channel.distribution}
    (ctx.output_dir("out") / f"{host}.json").write_text(json.dumps(report))
    if args.write_into:
        folder = Path(args.write_into)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{host}.txt").write_text(f"written by {host}\n")


run(main)
