"""CSV objects read fast into Arrow tables, with errors that name the channel, file and line.

The reader takes a binary stream, not a path: in File mode that is an open file, and in Pipe mode the
part of a FIFO that carries one object (byoc_runtime.pipe.iter_objects), which can be read only once. So
the header is read here with the stdlib, the rows by pyarrow from where the header ended, and a stream is
read a second time only on the error path, and only when it can seek (a FIFO's errors have no line).

pyarrow's errors do not carry a usable line: with threads (the fast path) they have no row number, and
the row numbers of a single-threaded read skip blank lines. A failed read is therefore rescanned with
the stdlib `csv` module to find the line of the record pyarrow complained about.

Between Arrow and numpy, data goes through buffers (`RecordBatch.to_tensor`, `Array.from_buffers`):
pyarrow's own conversions (`to_numpy`, `pa.array`) ask its pandas shim about the values, which
imports pandas, a third of a second that a job reading and writing float columns does not need.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from byoc_runtime import InputError

# pandas' default `na_values`: cells pd.read_csv reads as NaN are read as missing here too.
NA_VALUES = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip

_FIELD_COUNT = re.compile(r"Expected (\d+) columns, got (\d+)")
_CONVERSION = re.compile(r"In CSV column #(\d+): .*invalid value '(.*)'$", re.DOTALL)
_ROW = re.compile(r"Row #(\d+)")
_SHOWN_VALUE_CHARS = 40
NO_ROWS = "has a header but no data rows"

Record = list[str]
T = TypeVar("T")


class CsvReader:
    """One CSV object on a binary stream: its header at once, its rows as float64 columns on request."""

    def __init__(self, stream: BinaryIO, *, channel: str, file: str, note: str | None = None) -> None:
        self.channel = channel
        self.file = file
        self.note = note  # appended to a malformed-row error: how the rows might have come to be there
        self._stream = stream
        self.header, self._header_lines = self._read_header()
        self._data_start = stream.tell() if stream.seekable() else None

    def error(self, problem: str, line: int | None = None, *, noted: bool = False) -> InputError:
        """An InputError about this object, so every message names the channel and file the same way."""
        if noted and self.note:
            problem = f"{problem} ({self.note})"
        return InputError(problem, channel=self.channel, file=self.file, line=line)

    def read_floats(self, columns: Sequence[int], *, finite: bool = False) -> pa.Table:
        """Every row, the header positions `columns` as float64 named as in the header; NA cells null.

        Reads the rest of the stream. With `finite`, an infinite value is an error here, where its line
        can still be found, rather than a ValueError deep inside scikit-learn.
        """
        if not columns:
            raise ValueError("read_floats needs at least one column (pyarrow reads all for none)")
        keys = [f"c{i}" for i in range(len(self.header))]  # header names may repeat; pyarrow's may not
        wanted = [keys[i] for i in columns]
        try:
            table = pacsv.read_csv(
                self._stream,
                read_options=pacsv.ReadOptions(column_names=keys),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(wanted, pa.float64()),
                    null_values=list(NA_VALUES),
                    include_columns=wanted,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise self._explain(str(exc)) from exc
        except OSError as exc:
            raise self.error(f"cannot be read: {exc}") from exc
        if table.num_rows == 0:
            raise self.error(NO_ROWS)
        if finite:
            self._reject_infinite(table, columns)
        return table.rename_columns([self.header[i] for i in columns])

    def _read_header(self) -> tuple[tuple[str, ...], int]:
        """The header record and the line it ends on; blank lines before it are skipped, as pandas does."""
        reader = csv.reader(_text_lines(self._stream, header=True))
        try:
            for record in reader:
                if record:
                    return tuple(record), reader.line_num
        except UnicodeDecodeError as exc:
            raise self.error(f"the header is not UTF-8 text ({exc.reason})", reader.line_num + 1) from exc
        except csv.Error as exc:
            raise self.error(f"the header is not valid CSV ({exc})", reader.line_num) from exc
        raise self.error("the file is empty (no header line)")

    def _explain(self, message: str) -> InputError:
        """pyarrow's complaint, restated with the header's names and the line it is about."""
        if message == "Empty CSV file":  # nothing after the header we consumed
            return self.error(NO_ROWS)
        if match := _FIELD_COUNT.search(message):
            expected = int(match[1])
            found = self._find(lambda record: len(record) if len(record) != expected else None)
            if found is not None:
                line, count = found
                return self.error(f"has {count} fields, but the header has {expected} columns", line, noted=True)
            return self._unlocated(f"a row has {match[2]} fields, but the header has {expected} columns",
                                   message)
        if match := _CONVERSION.search(message):
            index, value = int(match[1]), match[2]
            column = self.header[index] if index < len(self.header) else f"#{index + 1}"
            problem = f"column '{column}' has a non-numeric value {_shorten(value)}"
            found = self._find(lambda record: True if record[index:index + 1] == [value] else None)
            return self.error(problem, found[0], noted=True) if found is not None else self._unlocated(problem, message)
        return self._unlocated(f"pyarrow cannot read it: {message}", message)

    def _unlocated(self, problem: str, message: str) -> InputError:
        """The best message when the rescan cannot find the record: pyarrow's row, if it gave one."""
        row = _ROW.search(message)
        return self.error(f"{problem} (data row {row[1]}, not counting blank lines)" if row else problem, noted=True)

    def _reject_infinite(self, table: pa.Table, columns: Sequence[int]) -> None:
        infinite = [i for i, column in zip(columns, table.columns, strict=True) if pc.any(pc.is_inf(column)).as_py()]
        if not infinite:
            return

        def first_infinite(record: Record) -> int | None:
            return next((i for i in infinite if i < len(record) and _is_infinite(record[i])), None)

        found = self._find(first_infinite)
        line, column = found if found is not None else (None, infinite[0])
        raise self.error(f"column '{self.header[column]}' has an infinite value", line)

    def _find(self, check: Callable[[Record], T | None]) -> tuple[int, T] | None:
        """The line where the first data record `check` finds something starts, and what it found.

        Error path only: it reads the data a second time, with the stdlib, which counts lines exactly.
        None when the stream cannot seek (a FIFO) or nothing is found.
        """
        if self._data_start is None:
            return None
        self._stream.seek(self._data_start)
        reader = csv.reader(_text_lines(self._stream, header=False))
        start = 1
        try:
            for record in reader:
                found = check(record) if record else None
                if found is not None:
                    return self._header_lines + start, found
                start = reader.line_num + 1
        except csv.Error:
            return None
        return None


@contextlib.contextmanager
def open_csv(path: Path, *, channel: str, file: str) -> Iterator[CsvReader]:
    """A CsvReader on a file, with an unreadable file reported as bad input rather than a traceback."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot be opened: {exc.strerror}", channel=channel, file=file) from exc
    with stream:
        yield CsvReader(stream, channel=channel, file=file)


def write_floats(stream: BinaryIO, matrix: npt.NDArray[np.float64], header: Sequence[str] | None = None) -> None:
    """Rows of `matrix` without index, NaN as an empty cell (as pandas writes it), header optional.

    pyarrow prints each double in its shortest form that reads back to the same bits, and fast. It
    quotes every header name, so the header goes through the stdlib writer, which quotes when needed.
    """
    if header is not None:
        line = io.StringIO()
        csv.writer(line, lineterminator="\n").writerow(header)
        stream.write(line.getvalue().encode("utf-8"))
    columns = {f"c{j}": _arrow_floats(matrix[:, j]) for j in range(matrix.shape[1])}
    pacsv.write_csv(pa.table(columns), stream, write_options=pacsv.WriteOptions(include_header=False))


def float_matrix(table: pa.Table) -> npt.NDArray[np.float64]:
    """A float64 table's columns as one Fortran-order matrix (each column contiguous), nulls as NaN."""
    matrix = np.empty((table.num_rows, table.num_columns), dtype=np.float64, order="F")
    row = 0
    for batch in table.to_batches():
        matrix[row:row + batch.num_rows] = batch.to_tensor(null_to_nan=True, row_major=False).to_numpy()
        row += batch.num_rows
    return matrix


def _arrow_floats(values: npt.NDArray[np.float64]) -> pa.Array:
    """A float64 Arrow array of `values`, NaN as null (which the CSV writer leaves empty)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    missing = np.isnan(values)
    valid = pa.py_buffer(np.packbits(~missing, bitorder="little")) if missing.any() else None
    return pa.Array.from_buffers(pa.float64(), len(values), [valid, pa.py_buffer(values)])


def _text_lines(stream: BinaryIO, *, header: bool) -> Iterator[str]:
    """Decoded lines pulled one at a time, so csv.reader stops exactly at the end of the header.

    The header must be UTF-8 (a BOM is dropped, as pandas does). In the data (rescans only) invalid bytes
    are replaced the way pyarrow's messages show them, so the rescan still finds the value it reported.
    """
    for raw in iter(stream.readline, b""):
        yield raw.decode("utf-8-sig") if header else raw.decode("utf-8", errors="replace")


def _is_infinite(cell: str) -> bool:
    try:
        return math.isinf(float(cell))
    except ValueError:
        return False


def _shorten(value: str) -> str:
    """A cell as shown in the message: the exit message has 1 KB, and the cell may be a whole line."""
    if len(value) > _SHOWN_VALUE_CHARS:
        value = value[:_SHOWN_VALUE_CHARS] + "..."
    return repr(value)
