"""PCA of ECG recordings: each CSV's lead columns reduced to --n-components, one output file per input.

File or Pipe mode: in Pipe mode each object of the stream is one recording, named by the manifest, so
`pca_<name>` is the same file in both modes (jobs._channels.csv_objects).

Where the time goes, and why the job is built this way. CPU seconds for 8 recordings of 250 000 rows
on a busy 2-core machine: imports 2.1 with scikit-learn, 0.37 now; reading 0.6; PCA 0.45, now 0.08;
writing 1.5 (pandas' `to_csv` takes 18, most of the plain pandas + scikit-learn script's time).
- Imports: scikit-learn pulls in scipy.stats and pandas. The PCA is scikit-learn's own solver for tall
  data written in numpy, bit for bit (jobs._pca), and Arrow data reaches numpy without pyarrow's
  pandas shim (jobs._csv), so the job imports pyarrow and numpy only. Nothing heavy is left whose
  import could overlap with reading; matplotlib, which only a plot needs, loads in the plot's process.
- Reading: pyarrow's CSV reader parses blocks of a recording on all cores, without the GIL.
- Writing: formatting each double in its shortest exact form is the largest cost left, and pyarrow's
  writer does it on one core. So the main thread reads the recordings in order and hands each one's
  scores to writer threads, one per core (jobs._writers): the next recording is parsed while earlier
  ones are formatted, and the log lines and failures still come in input order.
- PCA: milliseconds a recording once BLAS keeps to one thread (jobs._pca).
- Plot (--plot): drawing 250 000 samples a line takes seconds with matplotlib holding the GIL, so it
  is drawn in a process of its own while the other recordings are processed (jobs._plot).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import numpy.typing as npt

from byoc_runtime import ArgumentParser, OutputError, load_context
from jobs._channels import csv_objects, input_channel, output_name
from jobs._csv import CsvReader, float_matrix, write_floats
from jobs._pca import pca_scores
from jobs._plot import PlotProcess
from jobs._writers import OrderedWriters

DEFAULT_OUTPUT = "pca"
DEFAULT_COMPONENTS = 4
# Writer threads: each formats one recording on one core; more than 8 would only hold more in memory.
WRITERS = min(os.cpu_count() or 1, 8)
# `--help` shows what the job does, not why it is built the way it is.
DESCRIPTION = "\n\n".join((__doc__ or "").split("\n\n")[:2])

Matrix = npt.NDArray[np.float64]


def main(argv: Sequence[str]) -> None:
    args = _parser().parse_args(argv)
    ctx = load_context()
    channel = input_channel(ctx, args.input_channel)
    recordings = csv_objects(ctx, channel)
    output = output_name(ctx, args.output, DEFAULT_OUTPUT)
    folder = ctx.output_dir(output)
    with OrderedWriters(WRITERS, "pca_ecg-write") as writers, PlotProcess() as plots:
        for reader in recordings:
            name = reader.file
            leads = read_leads(reader, args.n_components)
            scores = pca_scores(leads, args.n_components)
            result = str(PurePosixPath(name).with_name(f"pca_{PurePosixPath(name).name}"))
            if args.plot == name:
                plots.start(leads, scores, list(reader.header[1:]), f"{channel.name}/{name}",
                            folder / PurePosixPath(result).with_suffix(".png"))
            writers.submit(f"pca_ecg: {channel.name}/{name}: {leads.shape[0]} rows x {leads.shape[1]} leads "
                           f"-> {output}/{result}", _write, folder / result, scores, output)
        writers.finish()
        plots.wait()


def read_leads(reader: CsvReader, n_components: int) -> Matrix:
    """The lead columns (all but the first, time) with missing values as 0, checked against --n-components.

    Fortran order, the layout pandas' `to_numpy()` gives a float frame: PCA then sums in the same order
    as `pd.read_csv(...).iloc[:, 1:].fillna(0)` would, and the results agree bit for bit.
    """
    leads = range(1, len(reader.header))
    if not leads:
        raise reader.error(f"has only a time column ({reader.header[0]!r}); the ECG lead columns must follow it")
    if n_components > len(leads):
        raise reader.error(f"--n-components {n_components} is more than its {len(leads)} lead columns")
    table = reader.read_floats(leads, finite=True)
    if table.num_rows < n_components:
        raise reader.error(f"has {table.num_rows} data rows; --n-components {n_components} needs at least "
                           f"{n_components}")
    matrix = float_matrix(table)
    matrix[np.isnan(matrix)] = 0.0
    return matrix


def _write(path: Path, scores: Matrix, output: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            write_floats(stream, scores)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {exc.strerror or exc}", output=output) from exc


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="pca_ecg", description=DESCRIPTION)
    parser.add_argument("--input-channel", help="input channel to read (default: the one not named 'code')")
    parser.add_argument("--output", help=f"output to write (default: the one declared; {DEFAULT_OUTPUT!r} "
                                         "without config files)")
    parser.add_argument("--n-components", type=_positive_int, default=DEFAULT_COMPONENTS,
                        help=f"principal components to keep (default {DEFAULT_COMPONENTS})")
    parser.add_argument("--plot", metavar="FILE", help="also draw this input file's leads and components as "
                                                      "pca_<file>.png (on the host whose shard has it)")
    return parser


def _positive_int(text: str) -> int:
    """argparse type for a component count; ArgumentTypeError's text is shown as it is."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value
