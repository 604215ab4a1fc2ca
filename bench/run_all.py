"""Every bench in one run, then one table of ratios, each measured against its baseline in the same run.

    python -m bench.run_all        (make bench)

Machines are noisy: each ratio compares two things timed side by side, never a stored number.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bench import cli_startup, local_backend, pca_job, pca_pipe_vs_file, pipe_reader, scaling


def main() -> None:
    rows: list[dict[str, object]] = []
    for bench in (local_backend, scaling, pipe_reader, pca_pipe_vs_file, pca_job, cli_startup):
        print(f"--- {bench.__name__}", flush=True)
        found = bench.main()
        rows.extend(found if isinstance(found, list) else [found])
    table = Table("bench", "ours", "baseline", "ratio", "target", title="byoc benches (ratios from this run)")
    for row in rows:
        unit = str(row.get("unit", "s"))
        table.add_row(str(row["bench"]), f"{row['ours']:.3f} {unit}", f"{row['baseline']:.3f} {unit}",
                      f"{row['ratio']:.2f}x", str(row.get("target", "")))
    Console().print(table)


if __name__ == "__main__":
    main()
