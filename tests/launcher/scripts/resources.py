"""A test job that reports the limits its container runs under, and can use more memory than it has.

    resources.py [--write NAME] [--allocate-on HOST=GIB]

Each host writes <host>.json to output NAME: its cgroup's memory limit, memory+swap limit and CPU quota
(cgroup v2, else v1), None where there is none, and the CPUs it may run on. With --allocate-on, that host
then fills GIB GiB of memory, page by page, as a job that loads too much data does.
"""

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path

from byoc_runtime import load_context, run

CGROUP = Path("/sys/fs/cgroup")
UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a huge number
V2 = (CGROUP / "cgroup.controllers").is_file()


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", default=None)
    parser.add_argument("--allocate-on", default=None)
    args = parser.parse_args(argv)
    ctx = load_context()
    host = ctx.current_host
    if args.write:
        report = {"memory": _memory(), "memory_and_swap": _memory_and_swap(), "cpus": _cpus(),
                  "affinity": len(os.sched_getaffinity(0))}
        (ctx.output_dir(args.write) / f"{host}.json").write_text(json.dumps(report))
    if args.allocate_on:
        name, gib = args.allocate_on.split("=")
        if name == host:
            held = []
            for step in range(int(float(gib) * 16)):
                held.append(b"\x01" * (64 << 20))  # written, so resident: 64 MiB a step
                if step % 16 == 15:
                    print(f"{host} holds {(step + 1) // 16} GiB", flush=True)
    print(f"{host} done", flush=True)


def _value(name: str) -> str | None:
    path = CGROUP / name
    return path.read_text().strip() if path.is_file() else None


def _limit(value: str | None) -> int | None:
    return None if value is None or value == "max" or int(value) >= UNLIMITED else int(value)


def _memory() -> int | None:
    return _limit(_value("memory.max" if V2 else "memory/memory.limit_in_bytes"))


def _memory_and_swap() -> int | None:
    if not V2:
        return _limit(_value("memory/memory.memsw.limit_in_bytes"))
    memory, swap = _memory(), _limit(_value("memory.swap.max"))  # v2 counts swap on its own
    return None if memory is None or swap is None else memory + swap


def _cpus() -> float | None:
    if V2:
        quota, period = (_value("cpu.max") or "max 100000").split()
    else:
        quota, period = _value("cpu/cpu.cfs_quota_us") or "-1", _value("cpu/cpu.cfs_period_us") or "100000"
    return None if quota in ("max", "-1") else int(quota) / int(period)


run(main)
