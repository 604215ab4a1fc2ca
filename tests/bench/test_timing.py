"""bench.timing: interleaved rounds, targets judged on unrounded ratios, a table that a log can read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, ratio_text, timed_children

REPO = Path(__file__).resolve().parents[2]


def test_rounds_alternate_which_measure_goes_first() -> None:
    order: list[str] = []

    def measure(name: str, seconds: float) -> float:
        order.append(name)
        return seconds

    results = interleaved({"baseline": lambda: measure("baseline", 2.0), "ours": lambda: measure("ours", 1.0)}, 4)

    assert order == ["baseline", "ours", "ours", "baseline", "baseline", "ours", "ours", "baseline"]
    assert medians(results) == {"baseline": 2.0, "ours": 1.0}


def test_fewer_rounds_than_the_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match=f"at least {MIN_ROUNDS} interleaved rounds"):
        interleaved({"ours": lambda: 1.0}, MIN_ROUNDS - 1)


def test_child_cpu_is_counted_and_waiting_is_not() -> None:
    cpu: list[float] = []
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"

    timed_children(lambda: subprocess.run([sys.executable, "-c", busy], check=True), cpu)
    timed_children(lambda: subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)"], check=True), cpu)

    assert cpu[0] >= 0.3
    assert cpu[1] < 0.2


def test_a_ratio_just_over_its_target_is_a_miss_and_shows_it() -> None:
    missed = Result("pca", 2.027, 10.0, target=Target(0.2))
    met = Result("pca", 1.2499, 10.0, target=Target(0.125))

    assert (ratio_text(missed.ratio), missed.verdict) == ("0.2027x", "MISS")
    assert (ratio_text(met.ratio), met.verdict) == ("0.1250x", "PASS")  # rounds to the limit, judged unrounded
    assert Result("pca", 1.2501, 10.0, target=Target(0.125)).verdict == "MISS"
    assert Result("reader", 790.0, 1000.0, "MB/s", Target(0.8, at_least=True)).verdict == "MISS"
    assert Result("startup", 0.2, 0.02).verdict == "-"
    assert ratio_text(10.0) == "10.00x"


def test_table_is_not_wrapped_when_stdout_is_not_a_terminal() -> None:
    script = (
        "from bench.timing import Result, Target, print_table\n"
        "print_table([Result('local backend, 8 instance(s) vs 8 parallel docker run(s)', 2.51, 1.52,"
        " target=Target(1.15), note='a note long enough to have been folded into a narrow column')], 'benches')\n"
    )

    table = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True).stdout

    rows = [line for line in table.splitlines() if "local backend" in line]
    assert len(rows) == 1, table
    for cell in ("local backend, 8 instance(s) vs 8 parallel docker run(s)", "2.510 s", "1.520 s", "1.651x",
                 "<= 1.15x", "MISS", "a note long enough to have been folded into a narrow column"):
        assert cell in rows[0]
