"""jobs._csv in process: header handling, line numbers on the error path, streams that cannot seek, and
float output that reads back to the same bits."""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pandas as pd  # no stubs; see pyproject ignore list
import pyarrow as pa
import pytest

from byoc_runtime import InputError
from jobs._csv import NA_VALUES, CsvReader, float_matrix, write_floats


def reader(data: bytes) -> CsvReader:
    return CsvReader(io.BytesIO(data), channel="raw", file="a.csv")


def failure(data: bytes, columns: range | None = None) -> InputError:
    csv = reader(data)
    with pytest.raises(InputError) as caught:
        csv.read_floats(columns or range(len(csv.header)), finite=True)
    return caught.value


def test_header_is_read_alone_and_rows_follow_it() -> None:
    csv = reader(b'\xef\xbb\xbf\n"time","a,b",c\r\n0,1.5,\r\n1,NaN,3\r\n')

    assert csv.header == ("time", "a,b", "c")
    table = csv.read_floats(range(1, 3))
    assert table.column_names == ["a,b", "c"]
    assert table.to_pydict() == {"a,b": [1.5, None], "c": [None, 3.0]}


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (b"a,b\n1,2\n3\n", 3, "has 1 fields, but the header has 2 columns"),
        (b"\na,b\r\n1,2\r\n\r\n\r\n3,4\r\n5,x\r\n", 7, "column 'b' has a non-numeric value 'x'"),
        (b'a,b\n1,"2\n3"\n4,y\n', 2, "column 'b' has a non-numeric value '2\\n3'"),  # record on two lines
        (b'a,b\n"1\n0",2\n4,y\n', 4, "column 'b' has a non-numeric value 'y'"),  # line count goes on
        (b"a,b\n1,2\n3,1e999\n", 3, "column 'b' has an infinite value"),
        (b"a,b\n1,2\n3,4,5\n", 3, "has 3 fields, but the header has 2 columns"),
    ],
)
def test_error_names_the_line_in_the_file(data: bytes, line: int, problem: str) -> None:
    error = failure(data, range(1, 2))

    assert (error.channel, error.file, error.line) == ("raw", "a.csv", line)
    assert str(error) == f"channel 'raw', file 'a.csv' line {line}: {problem}"


def test_long_bad_value_is_shortened() -> None:
    assert str(failure(b"a,b\n1," + b"z" * 500 + b"\n")).endswith("non-numeric value '" + "z" * 40 + "...'")


def test_only_requested_columns_are_converted() -> None:
    csv = reader(b"time,a\n00:00:01,1\n00:00:02,2\n")

    assert csv.read_floats(range(1, 2)).to_pydict() == {"a": [1.0, 2.0]}


def test_no_columns_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        reader(b"a\n1\n").read_floats(range(0))


def test_every_missing_value_spelling_is_one_pandas_uses() -> None:
    text = "a\n" + "\n".join(f'"{token}"' for token in NA_VALUES) + "\n"

    assert pd.read_csv(io.StringIO(text))["a"].isna().all()
    assert reader(text.encode()).read_floats(range(1)).column("a").null_count == len(NA_VALUES)


@pytest.fixture
def fifo_stream() -> Iterator[tuple[BinaryIO, threading.Thread, list[bytes]]]:
    """A pipe like Pipe mode's FIFO: readable once, not seekable; fill `chunks` then start the thread."""
    read_end, write_end = os.pipe()
    chunks: list[bytes] = []

    def feed() -> None:
        with open(write_end, "wb") as sink, contextlib.suppress(BrokenPipeError):  # reader gave up early
            for chunk in chunks:
                sink.write(chunk)

    thread = threading.Thread(target=feed)
    with open(read_end, "rb") as stream:
        yield stream, thread, chunks
    if thread.ident is not None:
        thread.join(timeout=10)


def test_a_stream_that_cannot_seek_is_read(fifo_stream: tuple[BinaryIO, threading.Thread, list[bytes]]) -> None:
    stream, thread, chunks = fifo_stream
    chunks += [b"t,a,b\n", b"0,1,2\n" * 50_000, b"1,3,4\n"]
    thread.start()

    csv = CsvReader(stream, channel="pipe", file="p.csv")
    table = csv.read_floats(range(1, 3))

    assert not stream.seekable()
    assert table.num_rows == 50_001
    assert table.column("b")[-1].as_py() == 4.0


def test_a_stream_that_cannot_seek_still_names_the_problem(
    fifo_stream: tuple[BinaryIO, threading.Thread, list[bytes]],
) -> None:
    stream, thread, chunks = fifo_stream
    chunks += [b"t,a,b\n0,1,2\n1,3,oops\n"]
    thread.start()

    with pytest.raises(InputError) as caught:
        CsvReader(stream, channel="pipe", file="p.csv").read_floats(range(1, 3))

    assert caught.value.line is None  # no second read of a FIFO
    assert str(caught.value) == "channel 'pipe', file 'p.csv': column 'b' has a non-numeric value 'oops'"


def test_floats_are_written_in_a_form_that_reads_back_to_the_same_bits() -> None:
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1.0, 0.1, 1 / 3, 5e-324, 1e-320, 2.2250738585072014e-308, 1.7976931348623157e308, 1e16,
               1e21, 123456789012345678.0, -6.182191213378174e-05, 2.5]
    values = np.concatenate([special, rng.normal(0, 1, 5000), rng.normal(0, 1e-7, 5000), rng.normal(0, 1e17, 5000),
                             rng.standard_cauchy(5000)])
    matrix = values.reshape(-1, 2)
    out = io.BytesIO()

    write_floats(out, matrix)

    lines = out.getvalue().decode().splitlines()
    back = np.array([[float(cell) for cell in line.split(",")] for line in lines])
    assert back.shape == matrix.shape
    assert np.array_equal(back.view(np.int64), matrix.view(np.int64))  # bit for bit, -0.0 included
    assert max(len(cell) for line in lines for cell in line.split(",")) <= 24  # shortest forms, not %.17g padding


def test_header_is_quoted_only_where_needed_and_nan_is_an_empty_cell() -> None:
    out = io.BytesIO()

    write_floats(out, np.array([[1.5, np.nan]]), header=["PRICE", "a,b"])

    assert out.getvalue().decode() == 'PRICE,"a,b"\n1.5,\n'


def test_float_matrix_keeps_every_batch_in_order_with_nulls_as_nan() -> None:
    """Big CSVs arrive as many record batches; the matrix is one column-major block, as pandas' to_numpy gives."""
    batches = [pa.record_batch({"a": pa.array([1.5, None, 3.0]), "b": pa.array([None, -0.0, 6.25])}),
               pa.record_batch({"a": pa.array([7.0]), "b": pa.array([8.0])}),
               pa.record_batch({"a": pa.array([None, 10.0], type=pa.float64()), "b": pa.array([11.0, None])})]
    table = pa.Table.from_batches(batches)

    matrix = float_matrix(table)

    expected = table.to_pandas().to_numpy()
    assert matrix.flags["F_CONTIGUOUS"] and matrix.shape == (6, 2)
    assert np.array_equal(matrix, expected, equal_nan=True)
    assert np.signbit(matrix[1, 1])  # -0.0 stays -0.0
