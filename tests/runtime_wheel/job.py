"""A user's job in a foreign image: the runtime from its wheel, its reader for File and Pipe mode, its runner.

Run as ScriptProcessor-style code (`python3 job.py`). Reads every CSV object (`name,value` rows) of the
channels `table` (File mode) and `stream` (Pipe mode) through `iter_objects`, writes what it saw to the
output `summary` as <host>.json, and fails with an InputError (exit 4, the exit message naming the
channel, object and line) on a value that is not an integer. Kept to Python 3.9 (pyproject.toml says so
to ruff): it runs on the oldest Python the runtime supports.
"""

import csv
import importlib.metadata
import json
import sys
from collections.abc import Sequence

import byoc_runtime
from byoc_runtime import InputError, input_mode, iter_objects, load_context, read_manifest, run


def main(argv: Sequence[str]) -> None:
    ctx = load_context()
    report = {
        "argv": list(argv),
        "python": list(sys.version_info[:3]),
        "runtime_file": byoc_runtime.__file__,
        "runtime_version": importlib.metadata.version("byoc-runtime"),
        "host": ctx.current_host,
        "manifest": list(read_manifest(ctx, "stream").uris),
    }
    for channel in ("table", "stream"):
        objects = []
        for obj, stream in iter_objects(ctx, channel):
            rows = list(csv.reader(stream.read().decode("utf-8").splitlines()))
            total = 0
            for line, (_name, value) in enumerate(rows[1:], start=2):
                if not value.lstrip("-").isdigit():
                    raise InputError(f"value {value!r} is not an integer", channel=channel, file=obj.name, line=line)
                total += int(value)
            objects.append({"name": obj.name, "uri": obj.uri, "header": rows[0], "rows": len(rows) - 1,
                            "total": total})
        report[channel] = {"mode": input_mode(ctx, channel), "objects": objects}
    (ctx.output_dir("summary") / f"{ctx.current_host}.json").write_text(json.dumps(report))


run(main)
