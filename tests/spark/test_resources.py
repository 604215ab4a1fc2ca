"""The container's cores and memory (cgroup v2, v1, or the machine) and how a host's share is planned."""

from __future__ import annotations

from pathlib import Path

import pytest

from byoc_spark.resources import ContainerResources, detect, executor_memory_mb, parse_memory_mb, plan_host

GIB = 1024 * 1024 * 1024


def fake_root(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"proc/meminfo": f"MemTotal:       {16 * 1024 * 1024} kB\nMemFree: 1 kB\n", **files}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_cgroup_v2_limits_win_over_the_machine(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"sys/fs/cgroup/cpu.max": "150000 100000\n", "sys/fs/cgroup/memory.max": f"{4 * GIB}\n"})
    found = detect(root)
    assert found.memory_mb == 4096
    assert found.cores == min(2, found.cores)  # 1.5 CPUs of quota round up to 2 (or fewer on a 1-core machine)


def test_cgroup_v1_limits_are_read_too(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"sys/fs/cgroup/cpu/cpu.cfs_quota_us": "100000\n",
                                "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
                                "sys/fs/cgroup/memory/memory.limit_in_bytes": f"{2 * GIB}\n"})
    assert detect(root) == ContainerResources(cores=1, memory_mb=2048)


def test_without_limits_the_machine_is_the_limit(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"sys/fs/cgroup/cpu.max": "max 100000\n", "sys/fs/cgroup/memory.max": "max\n"})
    assert detect(root).memory_mb == 16 * 1024


def test_the_primary_keeps_room_for_the_master_and_the_driver() -> None:
    m5_xlarge = ContainerResources(cores=4, memory_mb=16 * 1024)
    primary, worker = plan_host(m5_xlarge, primary=True), plan_host(m5_xlarge, primary=False)
    assert (primary.driver_memory_mb, worker.driver_memory_mb) == (1843, None)
    assert primary.worker_memory_mb == int(16384 * 0.9) - 1024 - 1843
    assert worker.worker_memory_mb == int(16384 * 0.9) - 512
    assert primary.worker_cores == worker.worker_cores == 4


def test_a_small_container_still_gets_a_usable_worker() -> None:
    plan = plan_host(ContainerResources(cores=1, memory_mb=1024), primary=True)
    assert (plan.driver_memory_mb, plan.worker_memory_mb) == (512, 1024)
    assert executor_memory_mb(plan.worker_memory_mb) == 819


@pytest.mark.parametrize(("text", "mib"), [("4g", 4096), ("512m", 512), ("2048", 2048), ("1T", 1024 * 1024),
                                           ("1024k", 1), ("2gb", 2048), ("lots", None)])
def test_jvm_memory_strings(text: str, mib: int | None) -> None:
    assert parse_memory_mb(text) == mib
