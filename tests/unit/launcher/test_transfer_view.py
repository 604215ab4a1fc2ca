"""What `byoc run` prints of a job's transfers off a terminal: one line each time a transfer passes another tenth."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from launcher.backend import InputStatus, JobStatus, OutputStatus
from launcher.cli.progress import TransferView


def status(staged_bytes: int, uploaded_bytes: int | None = None) -> JobStatus:
    outputs = () if uploaded_bytes is None else (OutputStatus("out", "s3://b/out", 1, 2, uploaded_bytes, 2000),)
    return JobStatus("job", "arn", "InProgress", datetime.now(UTC),
                     inputs=(InputStatus("data", staged_bytes // 100, 10, staged_bytes, 1000),), outputs=outputs)


def test_a_line_per_tenth_passed_never_twice_and_none_at_zero() -> None:
    stream = io.StringIO()
    view = TransferView(Console(file=stream, width=200))
    for staged in (0, 50, 100, 150, 150, 420, 999, 1000, 1000):
        view.show(status(staged))
    view.show(status(1000, uploaded_bytes=1000))
    view.close()
    assert stream.getvalue().splitlines() == [
        "staging input data: 10% (100 bytes of 1.0 kB, 1/10 objects)",
        "staging input data: 40% (420 bytes of 1.0 kB, 4/10 objects)",
        "staging input data: 90% (999 bytes of 1.0 kB, 9/10 objects)",
        "staging input data: 100% (1.0 kB of 1.0 kB, 10/10 objects)",
        "uploading output out: 50% (1.0 kB of 2.0 kB, 1/2 objects)",
    ]


def test_an_empty_input_is_done_once_its_objects_are() -> None:
    stream = io.StringIO()
    view = TransferView(Console(file=stream, width=200))
    view.show(JobStatus("job", "arn", "InProgress", datetime.now(UTC), inputs=(InputStatus("none", 0, 0, 0, 0),)))
    assert stream.getvalue() == "staging input none: 100% (0 bytes of 0 bytes, 0/0 objects)\n"


def test_on_a_terminal_a_bar_per_transfer_with_bytes_objects_and_rate() -> None:
    stream = io.StringIO()
    view = TransferView(Console(file=stream, width=160, force_terminal=True))
    view.show(status(500, uploaded_bytes=2000))
    view.close()
    last = Text.from_ansi(stream.getvalue().rsplit("\r", 1)[-1]).plain.splitlines()  # the final frame
    rows = [line.split() for line in last if line.strip()]
    assert [row[:3] + row[4:] for row in rows] == [  # the bar itself (row[3]) left out
        ["staging", "input", "data", "0.5/1.0", "kB", "5/10", "objects", "?", "-:--:--"],
        ["uploading", "output", "out", "2.0/2.0", "kB", "1/2", "objects", "?", "0:00:00"],
    ]
