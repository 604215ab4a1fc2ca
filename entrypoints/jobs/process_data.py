"""The blog's preprocessing: target column first, 60/20/20 train/validation/test split, features standardized.

File or Pipe mode: the channel's CSV objects are read through the same stream code (jobs._channels).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from byoc_runtime import ArgumentParser, InputError, OutputError, UsageError, load_context
from jobs._channels import csv_objects, host_suffix, input_channel
from jobs._csv import CsvReader, write_floats

SPLITS = ("train", "validation", "test")
SEED = 42
MIN_ROWS = 3  # fewer leave train_test_split an empty part
DEFAULT_TARGET = "PRICE"
DEFAULT_PREFIX = "data"
PREFIX_ENV = "PROCESSOR"

Matrix = npt.NDArray[np.float64]


def main(argv: Sequence[str]) -> None:
    args = _parser().parse_args(argv)
    prefix = file_prefix(args.prefix, os.environ)
    ctx = load_context()
    channel = input_channel(ctx, args.input_channel)
    objects = csv_objects(ctx, channel)
    folders = {split: ctx.output_dir(split) for split in SPLITS}
    header, data, names = read_channel(objects, args.target)
    if len(data) < MIN_ROWS:
        only = names[0] if len(names) == 1 else None
        raise InputError(f"has {len(data)} data rows; a 60/20/20 split needs at least {MIN_ROWS}",
                         channel=channel.name, file=only)
    suffix = host_suffix(ctx, channel)
    for split, part in zip(SPLITS, standardize(*split_rows(data)), strict=True):
        name = f"{prefix}_{split}{suffix}.csv"
        _write(folders[split] / name, part, header, split)
        print(f"process_data: {split}: {len(part)} rows -> {split}/{name}", flush=True)


def file_prefix(given: str | None, environ: Mapping[str, str]) -> str:
    """--prefix, else $PROCESSOR (the container's environment), else 'data'; it must name files, not folders."""
    source, prefix = ("--prefix", given) if given else (f"${PREFIX_ENV}", environ.get(PREFIX_ENV) or DEFAULT_PREFIX)
    if "/" in prefix or prefix in (".", ".."):
        raise UsageError(f"{source} {prefix!r} must be a file name prefix, without '/'")
    return prefix


def read_channel(objects: Iterable[CsvReader], target: str) -> tuple[list[str], Matrix, list[str]]:
    """The channel's CSVs stacked in name order, as one float matrix with the target as column 0; and
    the names of the CSVs read."""
    first: tuple[str, tuple[str, ...]] | None = None
    blocks = []
    names = []
    for reader in objects:
        _check_header(reader, target, first)
        first = first or (reader.file, reader.header)
        table = reader.read_floats(range(len(reader.header)), finite=True)
        blocks.append(np.column_stack([column.to_numpy() for column in table.columns]))
        names.append(reader.file)
    assert first is not None, "csv_objects gives at least one CSV"
    header = first[1]
    order = [header.index(target)] + [i for i, column in enumerate(header) if column != target]
    return [header[i] for i in order], np.concatenate(blocks)[:, order], names


def split_rows(data: Matrix) -> tuple[Matrix, Matrix, Matrix]:
    """60/20/20 as the blog does it: 60/40 first, then the 40 in half, both with random_state 42."""
    rows = np.arange(len(data))
    train, rest = train_test_split(rows, test_size=0.4, random_state=SEED)
    validation, test = train_test_split(rest, test_size=0.5, random_state=SEED)
    return data[train], data[validation], data[test]


def standardize(train: Matrix, *others: Matrix) -> list[Matrix]:
    """Features (all but column 0, the target) scaled by a StandardScaler fitted on the training rows only."""
    scaler = StandardScaler().fit(train[:, 1:])
    return [np.column_stack([part[:, :1], scaler.transform(part[:, 1:])]) for part in (train, *others)]


def _check_header(reader: CsvReader, target: str, first: tuple[str, tuple[str, ...]] | None) -> None:
    header = reader.header
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise reader.error(f"column names must be unique; repeated: {', '.join(repeated)}")
    if target not in header:
        raise reader.error(f"has no target column {target!r} (--target); its columns are: {', '.join(header)}")
    if len(header) == 1:
        raise reader.error(f"has only the target column {target!r}; there are no features to scale")
    if first is not None and header != first[1]:
        raise reader.error(f"its columns ({', '.join(header)}) differ from those of {first[0]!r} "
                           f"({', '.join(first[1])}); every CSV in the channel needs the same header")


def _write(path: Path, part: Matrix, header: list[str], output: str) -> None:
    try:
        with path.open("wb") as stream:
            write_floats(stream, part, header)
    except OSError as exc:
        raise OutputError(f"cannot write {path.name}: {exc.strerror or exc}", output=output) from exc


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="process_data", description=__doc__)
    parser.add_argument("--input-channel", help="input channel to read (default: the one not named 'code')")
    parser.add_argument("--target", default=DEFAULT_TARGET, help=f"target column (default {DEFAULT_TARGET})")
    parser.add_argument("--prefix", help=f"output file prefix (default: ${PREFIX_ENV}, else {DEFAULT_PREFIX!r})")
    return parser
