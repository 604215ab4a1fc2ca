"""Rounds, medians, targets and the printed lines and table shared by every bench.

Machines are noisy, and other work on them comes and goes: each bench times its subject and its
baseline side by side in the same run, each once per round, alternating which goes first from one
round to the next (so a warm cache or a burst of load favours neither), for at least MIN_ROUNDS
rounds, and compares medians. A ratio is always ours / baseline (for times lower is better, for rates
higher), printed with 4 significant digits; PASS or MISS is decided on the unrounded ratio, so a
0.2027 is a MISS against "<= 0.2" however it is shown.
"""

from __future__ import annotations

import contextlib
import functools
import resource
import secrets
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

MIN_ROUNDS = 3
RATIO_DIGITS = 4  # significant digits: enough to see which side of a target a ratio is on


@dataclass(frozen=True)
class Target:
    """A bound on ours / baseline: at most `limit` (times: lower is better) or, with at_least, at least it."""

    limit: float
    at_least: bool = False

    def met(self, ratio: float) -> bool:
        return ratio >= self.limit if self.at_least else ratio <= self.limit

    def __str__(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.limit:g}x"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def timed_children(action: Callable[[], object], cpu: list[float]) -> float:
    """Wall seconds of `action`; appends to `cpu` the CPU seconds of the child processes it ran and waited for.

    On a busy machine the CPU time shows the work each side does, whatever share of the cores it got.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = timed(action)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return seconds


def interleaved(measures: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Every measure once per round, the order reversed every other round; each measure's results.

    A measure returns what it measured (seconds, usually `timed(...)`), so a bench can leave set-up
    out of the time.
    """
    if rounds < MIN_ROUNDS:
        raise ValueError(f"rounds={rounds}: a bench takes medians of at least {MIN_ROUNDS} interleaved rounds "
                         f"(--rounds {MIN_ROUNDS} or more)")
    results: dict[str, list[float]] = {name: [] for name in measures}
    names = list(measures)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            results[name].append(measures[name]())
    return results


def median_times(measures: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Each action's median wall time over interleaved rounds."""
    return medians(interleaved({name: functools.partial(timed, action) for name, action in measures.items()},
                               rounds))


def medians(results: Mapping[str, Sequence[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in results.items()}


def compare(ours: Callable[[], object], baseline: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median seconds of (ours, baseline) over interleaved rounds (the baseline first in the first)."""
    found = medians(interleaved({"baseline": lambda: timed(baseline), "ours": lambda: timed(ours)}, rounds))
    return found["ours"], found["baseline"]


@contextlib.contextmanager
def user_network() -> Iterator[str]:
    """A user-defined Docker network for the length of a bench, removed after it: what a job's hosts need
    for their `algo-N` names, so `docker run`s on it show the engine's own cost of that."""
    docker = shutil.which("docker") or "docker"
    name = f"byoc-bench-{secrets.token_hex(3)}"
    subprocess.run([docker, "network", "create", name], check=True, stdout=subprocess.DEVNULL)
    try:
        yield name
    finally:
        subprocess.run([docker, "network", "rm", name], check=False, stdout=subprocess.DEVNULL)


def ratio_text(ratio: float) -> str:
    """4 significant digits, trailing zeros kept (0.2000x, 10.00x): the digits shown are the digits known."""
    return f"{ratio:#.{RATIO_DIGITS}g}".removesuffix(".") + "x"


def value_text(value: float, unit: str) -> str:
    return f"{value:.3f} {unit}" if unit == "s" else f"{value:.0f} {unit}"


@dataclass(frozen=True)
class Result:
    """One bench's medians, what they are in, its target if it has one, and a note for the reader."""

    bench: str
    ours: float
    baseline: float
    unit: str = "s"
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return "PASS" if self.target.met(self.ratio) else "MISS"


def report(name: str, ours: float, baseline: float, unit: str = "s", target: Target | None = None,
           note: str = "") -> Result:
    """Print one bench's result line and return it for the final table."""
    result = Result(name, ours, baseline, unit, target, note)
    judged = f"target {target}: {result.verdict}" if target else "no target"
    print(f"{name}: ours {value_text(ours, unit)}, baseline {value_text(baseline, unit)}, "
          f"ratio {ratio_text(result.ratio)} ({judged}){f'; {note}' if note else ''}", flush=True)
    return result


def print_table(results: Sequence[Result], title: str) -> None:
    """The results as one table; to a log or a pipe as wide as its longest row, never wrapped into columns."""
    table = Table("bench", "ours", "baseline", "ratio", "target", "verdict", "note", title=title)
    for result in results:
        table.add_row(result.bench, value_text(result.ours, result.unit), value_text(result.baseline, result.unit),
                      ratio_text(result.ratio), str(result.target or "-"), result.verdict, result.note)
    console = Console()
    if not console.is_terminal:
        console = Console(width=Console(width=1_000).measure(table).maximum)
    console.print(table)
