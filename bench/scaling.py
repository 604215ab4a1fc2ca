"""8 instances against 1 of the same trivial job on the local backend: the cost of more hosts.

    python -m bench.scaling [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.local_backend import job_file, make_data, run_byoc
from bench.timing import MIN_ROUNDS, Result, compare, report


def main(rounds: int = MIN_ROUNDS) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="byoc-bench-scaling-") as tmp:
        root = Path(tmp)
        data = make_data(root)
        one, eight = job_file(root, data, 1), job_file(root, data, 8)
        ours, base = compare(lambda: run_byoc(eight, root / "jobs"), lambda: run_byoc(one, root / "jobs"), rounds)
        return [report("local backend, 8 instances vs 1", ours, base, note="plain docker: ~4x for 8 vs 1")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    main(parser.parse_args().rounds)
