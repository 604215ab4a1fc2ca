"""Timing helpers shared by the benches: medians of interleaved runs, so machine noise hits both sides."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def compare(ours: Callable[[], object], baseline: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median seconds of (ours, baseline), alternating the two in every round."""
    ours_times, base_times = [], []
    for _ in range(rounds):
        base_times.append(timed(baseline))
        ours_times.append(timed(ours))
    return statistics.median(ours_times), statistics.median(base_times)


def report(name: str, ours: float, baseline: float, unit: str = "s", target: str = "") -> dict[str, object]:
    ratio = ours / baseline if baseline else float("inf")
    print(f"{name}: ours {ours:.3f} {unit}, baseline {baseline:.3f} {unit}, ratio {ratio:.2f}x {target}".rstrip())
    return {"bench": name, "ours": ours, "baseline": baseline, "ratio": ratio, "unit": unit, "target": target}
