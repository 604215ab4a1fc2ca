"""The last failure in a host's log, compacted: real logs, and the shapes Python and the JVM print."""

from __future__ import annotations

from pathlib import Path

from launcher.explain.tracebacks import Kind, last_failure

LOGS = Path(__file__).parent / "logs"


def test_a_boto3_traceback_keeps_the_users_frame_and_the_exception() -> None:
    failure = last_failure((LOGS / "seed.txt").read_text())
    assert failure.kind is Kind.TRACEBACK
    assert failure.frames == ('  File "/opt/ml/processing/input/code/seed.py", line 2, in <module>',
                              '    s3 = boto3.client("s3")',
                              "  [9 frames in boto3, botocore]")
    assert failure.line.startswith("botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials")
    assert failure.chain == ("while handling botocore.exceptions.MetadataRetrievalError",)
    assert len(failure.lines()) == 5  # of the log's 45


def test_position_markers_go_and_library_runs_between_own_frames_are_counted() -> None:
    log = "\n".join([
        "starting", "Traceback (most recent call last):",
        '  File "/opt/ml/processing/input/code/job.py", line 9, in <module>', "    main()",
        '  File "/opt/ml/processing/input/code/job.py", line 5, in main', '    json.loads("{")',
        "    ~~~~~~~~~~^^^^^", '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
        "    return _default_decoder.decode(s)", '  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode',
        "    obj, end = self.raw_decode(s, idx=_w(s, 0).end())",
        "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ])
    failure = last_failure(log)
    assert failure.lines() == [
        '  File "/opt/ml/processing/input/code/job.py", line 9, in <module>', "    main()",
        '  File "/opt/ml/processing/input/code/job.py", line 5, in main', '    json.loads("{")',
        "  [2 frames in json]",
        "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"]


def test_the_last_of_several_tracebacks_counts_and_a_cause_is_named() -> None:
    log = "\n".join([
        "Traceback (most recent call last):", '  File "a.py", line 1, in <module>', "ValueError: first",
        "handled, going on", "Traceback (most recent call last):", '  File "b.py", line 2, in f', "KeyError: 'x'", "",
        "The above exception was the direct cause of the following exception:", "",
        "Traceback (most recent call last):", '  File "b.py", line 4, in <module>', "RuntimeError: no column x",
    ])
    failure = last_failure(log)
    assert failure.line == "RuntimeError: no column x"
    assert failure.chain == ("caused by KeyError",)  # the ValueError was handled earlier, not chained


def test_a_traceback_of_library_frames_only_shows_where_it_was_raised() -> None:
    log = ("Traceback (most recent call last):\n"
           '  File "<frozen runpy>", line 198, in _run_module_as_main\n'
           '  File "/opt/venv/lib/python3.11/site-packages/tool/__main__.py", line 3, in <module>\n'
           "    raise SystemExit(main())\n"
           "tool.Error: bad flag\n")
    assert last_failure(log).frames == ("  [1 frame in runpy]",
                                        '  File "/opt/venv/lib/python3.11/site-packages/tool/__main__.py", '
                                        "line 3, in <module>", "    raise SystemExit(main())")


def test_without_a_traceback_the_last_exception_line_then_the_last_line() -> None:
    jvm = ("INFO starting\nException in thread \"main\" java.lang.IllegalStateException: no master\n"
           "\tat Main.main(Main.java:3)\nINFO shutting down\n")
    found = last_failure(jvm)
    assert (found.kind, found.line) == (Kind.EXCEPTION, "java.lang.IllegalStateException: no master")
    shell = "copying\ncat: /opt/ml/processing/input/data/x.csv: No such file or directory\n"
    assert (last_failure(shell).kind, last_failure(shell).line) == (
        Kind.LAST_LINE, "cat: /opt/ml/processing/input/data/x.csv: No such file or directory")
    assert last_failure("\n \n").kind is Kind.SILENT


def test_colour_codes_and_host_names_do_not_split_alike_failures() -> None:
    one = last_failure("\x1b[31mTraceback (most recent call last):\x1b[0m\n  File \"j.py\", line 1, in <module>\n"
                       "OSError: algo-1 cannot reach algo-2 (socket 0x7f3a2c)\n")
    two = last_failure("Traceback (most recent call last):\n  File \"j.py\", line 1, in <module>\n"
                       "OSError: algo-3 cannot reach algo-1 (socket 0x7f99aa)\n")
    assert one.kind is Kind.TRACEBACK and one.key == two.key
    assert one.line == "OSError: algo-1 cannot reach algo-2 (socket 0x7f3a2c)"


def test_a_log_cut_inside_a_traceback_says_so() -> None:
    failure = last_failure('Traceback (most recent call last):\n  File "j.py", line 1, in <module>\n    f()\n')
    assert failure.line == "(the log ends inside the traceback)"
