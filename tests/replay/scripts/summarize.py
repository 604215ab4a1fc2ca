"""The replay tests' job: every object each host got of the named inputs (File or Pipe mode), its checksum and
the sum of its `value` column, as <output>/<host>.json.

    summarize.py OUTPUT INPUT [INPUT ...]
"""

import hashlib
import json
from collections.abc import Sequence

from byoc_runtime import iter_objects, load_context, run


def main(argv: Sequence[str]) -> None:
    output, *inputs = argv
    ctx = load_context()
    report: dict[str, list[object]] = {}
    for name in inputs:
        objects: list[object] = []
        for item, stream in iter_objects(ctx, name):
            data = stream.read()
            total = sum(int(line.split(",")[1]) for line in data.decode("utf-8").splitlines()[1:])
            objects.append([item.name, hashlib.sha256(data).hexdigest(), total])
        report[name] = objects
    target = ctx.output_dir(output) / f"{ctx.current_host}.json"
    target.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{ctx.current_host}: {', '.join(f'{k} {len(v)}' for k, v in report.items())}")


if __name__ == "__main__":
    run(main)
