"""How much of the container Spark may use: cores and memory, and how they are split.

The container's limits come from its cgroup (v2, else v1) and its CPU affinity, falling back to the
machine's /proc/meminfo: on SageMaker the container has the whole instance, under `docker run
--cpus/--memory` it has what it was given. The split, per host:

    usable    = 90% of the memory (the kernel, page cache and Python workers need the rest)
    daemons   = 512 MiB per Spark daemon (the worker; the master too on the first host)
    driver    = on the first host, 1/8 of usable memory, between 512 MiB and 2 GiB (smspark gives 2 GiB)
    worker    = usable - daemons - driver, at least 1 GiB; offers every core
    executor  = one per worker with all its cores and 80% of the smallest worker's memory
                (the rest is for the Python workers PySpark starts beside each executor)
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

DAEMON_MEMORY_MB = 512
MIN_WORKER_MEMORY_MB = 1024
MIN_EXECUTOR_MEMORY_MB = 512  # Spark refuses executors under 450 MiB
UNLIMITED = 1 << 60


@dataclass(frozen=True, slots=True)
class ContainerResources:
    cores: int
    memory_mb: int


@dataclass(frozen=True, slots=True)
class HostPlan:
    worker_cores: int
    worker_memory_mb: int
    driver_memory_mb: int | None  # only on the first host, where the driver runs


def detect(root: Path = Path("/")) -> ContainerResources:
    """The container's cores and memory; `root` is "/" except in tests."""
    cores = len(os.sched_getaffinity(0)) if root == Path("/") else os.cpu_count() or 1
    quota = _cpu_quota(root)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    memory = min(_machine_memory_bytes(root), _cgroup_memory_bytes(root))
    return ContainerResources(cores=max(1, cores), memory_mb=int(memory // (1024 * 1024)))


def plan_host(resources: ContainerResources, *, primary: bool) -> HostPlan:
    usable = int(resources.memory_mb * 0.9)
    daemons = DAEMON_MEMORY_MB * (2 if primary else 1)
    driver = min(2048, max(512, usable // 8)) if primary else None
    worker = max(MIN_WORKER_MEMORY_MB, usable - daemons - (driver or 0))
    return HostPlan(worker_cores=resources.cores, worker_memory_mb=worker, driver_memory_mb=driver)


def executor_memory_mb(smallest_worker_mb: int) -> int:
    return max(MIN_EXECUTOR_MEMORY_MB, int(smallest_worker_mb * 0.8))


def parse_memory_mb(value: str) -> int | None:
    """A JVM memory string ("4g", "512m", "2048" = MiB for Spark's *.memory properties) in MiB."""
    match = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)b?\s*", value.lower())
    if match is None:
        return None
    number, unit = int(match.group(1)), match.group(2) or "m"
    factor = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}[unit]
    return int(number * factor)


def _cpu_quota(root: Path) -> float | None:
    v2 = root / "sys/fs/cgroup/cpu.max"
    if v2.is_file():
        quota, _, period = v2.read_text().strip().partition(" ")
        return None if quota == "max" else int(quota) / int(period or "100000")
    v1_quota = root / "sys/fs/cgroup/cpu/cpu.cfs_quota_us"
    v1_period = root / "sys/fs/cgroup/cpu/cpu.cfs_period_us"
    if v1_quota.is_file() and v1_period.is_file():
        quota_us = int(v1_quota.read_text().strip())
        return None if quota_us <= 0 else quota_us / int(v1_period.read_text().strip())
    return None


def _cgroup_memory_bytes(root: Path) -> int:
    for file in (root / "sys/fs/cgroup/memory.max", root / "sys/fs/cgroup/memory/memory.limit_in_bytes"):
        if file.is_file():
            text = file.read_text().strip()
            return UNLIMITED if text == "max" else int(text)
    return UNLIMITED


def _machine_memory_bytes(root: Path) -> int:
    meminfo = root / "proc/meminfo"
    for line in meminfo.read_text().splitlines() if meminfo.is_file() else []:
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 4 * 1024 * 1024 * 1024  # no /proc: assume a small machine rather than guess big
