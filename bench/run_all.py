"""Every bench in one run, then one table of ratios, each measured against its baseline in the same run.

    python -m bench.run_all        (make bench)

Machines are noisy: each ratio compares two things timed side by side, never a stored number
(bench.timing).
"""

from __future__ import annotations

from bench import (
    big_inputs,
    cli_startup,
    credentials,
    local_backend,
    pca_job,
    pca_pipe_vs_file,
    pipe_reader,
    scale_32,
    scaling,
    serve_describe,
    serve_vs_run,
    staged_once,
    staging,
    vs_sdk_local_mode,
)
from bench.timing import Result, print_table


def main() -> None:
    results: list[Result] = []
    for bench in (local_backend, credentials, scaling, scale_32, staging, pipe_reader, pca_pipe_vs_file, pca_job,
                  cli_startup, serve_describe, serve_vs_run, staged_once, big_inputs, vs_sdk_local_mode):
        print(f"--- {bench.__name__}", flush=True)
        results.extend(bench.main())
    print_table(results, "byoc benches (ratio = ours / baseline, medians of interleaved rounds in this run)")


if __name__ == "__main__":
    main()
