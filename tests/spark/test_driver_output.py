"""The app's error line, found in what spark-submit printed (samples cut from real runs of byoc/spark)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from byoc_spark.driver_output import Tail, app_error
from byoc_spark.errors import SparkAppError, exit_status

SAMPLES = Path(__file__).parent / "driver_output"


@pytest.mark.parametrize(("sample", "line"), [
    # RDD action: Py4JJavaError, whose Java message embeds the executor's Python traceback.
    ("task_failure_rdd.txt", "ValueError: review 13 has no stars"),
    # DataFrame with a UDF: pyspark converts it to a captured PythonException with an empty first line.
    ("task_failure_dataframe.txt", "KeyError: 'no rating for 7'"),
    ("analysis_exception.txt", "pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does "
                               "not exist: file:/nonexistent/path."),
    ("sys_exit.txt", None),  # sys.exit(3): nothing to quote; the exit code says it
])
def test_the_app_error_is_the_last_exception_line(sample: str, line: str | None) -> None:
    assert app_error((SAMPLES / sample).read_text().splitlines(keepends=True)) == line


def test_a_jvm_app_or_spark_submit_error_is_used_without_a_traceback() -> None:
    jvm = 'Exception in thread "main" java.lang.IllegalStateException: no input'
    assert app_error(["24/01/01 INFO x\n", jvm + "\n", "\tat Main.main(Main.java:3)\n"]) == jvm
    assert app_error(["Error: Failed to load class org.Main.\n"]) == "Error: Failed to load class org.Main."


def test_a_long_line_is_cut() -> None:
    found = app_error(["Traceback (most recent call last):\n", '  File "x"\n', "ValueError: " + "x" * 2000 + "\n"])
    assert found is not None and len(found) == 600 and found.endswith("...")


def test_the_error_carries_the_apps_exit_status() -> None:
    error = SparkAppError("/code/app.py", exit_status(-9), None)
    assert error.exit_code == 137
    assert error.exit_message() == ("SparkAppError: the Spark app /code/app.py exited with code 137 (no error line "
                                    "in its output; see the log)")
    assert SparkAppError("/code/app.py", 3, "ValueError: x").exit_message() == (
        "SparkAppError: ValueError: x (the Spark app /code/app.py exited with code 3)")
    assert SparkAppError.exit_code == 1  # the class default is untouched


def test_tail_copies_lines_through_and_keeps_the_last_ones() -> None:
    sink = io.StringIO()
    tail = Tail(limit=2)
    tail.follow(io.BytesIO(b"a\nb\nc\n"), sink, "test")
    tail.join()
    assert sink.getvalue() == "a\nb\nc\n"
    assert tail.lines() == ["b\n", "c\n"]
