"""`byoc --help` against a bare interpreter start: what the CLI adds before it does anything.

    python -m bench.cli_startup [--rounds 10]

The CLI must not import the sagemaker SDK (about 2 s) nor boto3 for `--help` and local runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.timing import Result, compare, report

BYOC = str(Path(sys.executable).parent / "byoc")


def main(rounds: int = 10) -> list[Result]:
    ours, base = compare(lambda: subprocess.run([BYOC, "--help"], check=True, capture_output=True),
                         lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), rounds)
    return [report("byoc --help vs python -c pass", ours, base, note="no ratio target: well under 1 s absolute")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    main(parser.parse_args().rounds)
