"""Hints for failed hosts without an exit message: one per distinct failure, the hosts named."""

from __future__ import annotations

from pathlib import Path

from launcher.explain.hints import HostEnd, failure_hints
from launcher.explain.naming import name_hosts

SEED = (Path(__file__).parent / "logs" / "seed.txt").read_text()


def test_eight_identical_tracebacks_make_one_hint_naming_the_hosts() -> None:
    hosts = [HostEnd(f"algo-{i}", 1, False, SEED.replace("algo-3", f"algo-{i}")) for i in range(1, 9)]
    (hint,) = failure_hints(hosts, "algo-1")
    lines = hint.splitlines()
    assert lines[0] == "algo-1 to algo-8 (8 hosts) wrote no exit message; the last traceback in each of their logs:"
    assert lines[1:4] == ['    File "/opt/ml/processing/input/code/seed.py", line 2, in <module>',
                          '      s3 = boto3.client("s3")', "    [9 frames in boto3, botocore]"]
    assert lines[4].startswith("  botocore.exceptions.CredentialRetrievalError: ")
    assert hint.count("CredentialRetrievalError") == 1


def test_hosts_with_a_message_or_stopped_by_the_launcher_are_left_out() -> None:
    boom = "Traceback (most recent call last):\n  File \"j.py\", line 1, in <module>\nValueError: boom\n"
    hosts = [HostEnd("algo-1", 1, False, boom), HostEnd("algo-2", 2, True, boom),  # wrote /opt/ml/output/message
             HostEnd("algo-3", 143, False, "terminated"),  # SIGTERM after algo-1 failed
             HostEnd("algo-4", 0, False, "done"), HostEnd("algo-5", 1, False, "Error: disk full\n")]
    assert failure_hints(hosts, "algo-1") == (
        "algo-1 wrote no exit message; the last traceback in its log:\n"
        '    File "j.py", line 1, in <module>\n  ValueError: boom',
        "algo-5 wrote no exit message; its log ends with: Error: disk full",
    )


def test_the_first_failure_leads_and_a_silent_host_says_so() -> None:
    hosts = [HostEnd("algo-1", 2, False, ""), HostEnd("algo-2", 3, False, "x\nKeyError: 'id'\n more")]
    assert failure_hints(hosts, "algo-2") == ("algo-2 wrote no exit message; the last exception in its log: "
                                              "KeyError: 'id'",
                                              "algo-1 wrote no exit message and printed nothing")
    assert failure_hints(hosts, None) == ()


def test_hosts_are_named_in_runs() -> None:
    assert name_hosts(["algo-2"]) == "algo-2"
    assert name_hosts(["algo-3", "algo-1"]) == "algo-1 and algo-3"
    assert (name_hosts([f"algo-{i}" for i in (1, 2, 3, 5, 7, 8, 9, 10)])
            == "algo-1 to algo-3, algo-5 and algo-7 to algo-10")
