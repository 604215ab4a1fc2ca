"""What each host's container may use: the vCPUs, memory and GPUs of the job's instance type.

On SageMaker a job sized for an ml.m5.xlarge has 4 vCPUs and 16 GiB per host, and a host that needs
more memory is killed (`OutOfMemory`). Locally each container gets the same as hard limits (a CPU quota,
a memory limit with no swap past it), so the same job fails the same way on a laptop. The rules:

- Each host gets its type's vCPUs and memory (launcher/instance_types.py).
- When the engine is smaller than the job asks (instances x size), the job still runs, and one notice
  says what was scaled down, since a job that runs out of memory at the scaled size may not on SageMaker:
  - memory: each host gets the same share of the engine's, in proportion to what it asks (a hard limit:
    out-of-memory must still show);
  - CPUs: the hosts share the engine's, each capped at its type's vCPUs (or the engine's, if fewer). The
    engine's scheduler gives busy hosts equal shares, and a busy host may use what idle ones leave: on
    SageMaker each host has its own vCPUs, so a hard split would make the busy host (a Spark primary,
    a host with a bigger shard) wait on CPUs that the others leave idle, slower than SageMaker for no
    reason. A 2-host Spark job on 2 CPUs took 38.6 s with a hard 1-CPU quota per host, 30.4 s shared.
- GPU types get that many of the engine's NVIDIA GPUs when it has any; when it has none, the job fails
  (`GpuUnavailableError`, naming the type and the way to run it on CPU), or with GpuFallback.CPU runs on
  CPU with one notice.
- Without limits (`--no-resource-limits`) each host may use the whole engine; one notice says so.

Pure policy: the engine's size comes in as `EngineCapacity` (cluster.engine_capacity, from `docker info`), and the
result is plain numbers cluster.py turns into the engine's options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from launcher.errors import EngineError
from launcher.instance_types import InstanceType

GIB = 1 << 30
MIN_CPUS = 0.01  # the engine's smallest CPU quota
MIN_MEMORY_BYTES = 6 << 20  # the engine's smallest memory limit


class GpuFallback(StrEnum):
    """What a GPU instance type does on an engine without GPUs: fail (the default), or run on CPU."""

    ERROR = "error"
    CPU = "cpu"


class GpuUnavailableError(EngineError):
    """The job's instance type has GPUs and the engine can give its containers none."""


@dataclass(frozen=True, slots=True)
class EngineCapacity:
    """The engine's size as it reports it (`docker info`: NCPU, MemTotal), and whether it has NVIDIA GPUs."""

    cpus: int
    memory_bytes: int
    gpus: bool


@dataclass(frozen=True, slots=True)
class HostResources:
    """What one host's container gets; None is no limit."""

    cpus: float | None = None
    memory_bytes: int | None = None
    gpus: int = 0


def host_resources(
    instance: InstanceType,
    count: int,
    engine: EngineCapacity,
    notice: Callable[[str], None],
    *,
    limits: bool = True,
    gpu_fallback: GpuFallback = GpuFallback.ERROR,
) -> HostResources:
    """Each host's limits for `count` hosts of `instance` on `engine`; what it scales down or leaves out,
    it says through `notice` (once per job). Raises GpuUnavailableError for GPUs the engine lacks."""
    gpus = _gpus(instance, engine, notice, gpu_fallback)
    if not limits:
        notice(f"resource limits off (--no-resource-limits): each host may use all of this engine "
               f"({_cpus(engine.cpus)}, {_gib(engine.memory_bytes)}), not the {_cpus(instance.vcpus)} and "
               f"{_gib(instance.memory_gib * GIB)} of an {instance.name}")
        return HostResources(gpus=gpus)
    asked_cpus, asked_memory = count * instance.vcpus, count * instance.memory_gib * GIB
    memory_share = min(1.0, engine.memory_bytes / asked_memory)
    cpus = max(MIN_CPUS, min(instance.vcpus, engine.cpus))
    memory = max(MIN_MEMORY_BYTES, int(instance.memory_gib * GIB * memory_share))
    scaled = []
    if asked_cpus > engine.cpus:
        scaled.append(f"the hosts share {_cpus(engine.cpus)}, not {_cpus(instance.vcpus)} each (each may use up to "
                      f"{_cpus(cpus)}, equal shares when all are busy)" if count > 1
                      else f"the host gets {_cpus(cpus)} instead of {_cpus(instance.vcpus)}")
    if memory_share < 1:
        scaled.append(f"each host gets {_gib(memory)} of memory instead of {_gib(instance.memory_gib * GIB)}; a job "
                      "that runs out of memory here may not on SageMaker")
    if scaled:
        asks = f"{count} x {instance.name} ask" if count > 1 else f"an {instance.name} asks"
        notice(f"resources scaled down: {asks} for {_cpus(asked_cpus)} and {_gib(asked_memory)} in all, this engine "
               f"has {_cpus(engine.cpus)} and {_gib(engine.memory_bytes)}: {'; '.join(scaled)}. "
               "--no-resource-limits lifts the limits")
    return HostResources(cpus=cpus, memory_bytes=memory, gpus=gpus)


def _gpus(instance: InstanceType, engine: EngineCapacity, notice: Callable[[str], None],
          fallback: GpuFallback) -> int:
    if instance.gpus == 0:
        return 0
    if engine.gpus:
        return instance.gpus
    has = f"{instance.name} has {instance.gpus} GPU{'s' if instance.gpus > 1 else ''}, but this Docker engine has none"
    if fallback is GpuFallback.CPU:
        notice(f"{has}: the job runs on CPU only (--gpu-fallback cpu), with the type's vCPUs and memory")
        return 0
    raise GpuUnavailableError(
        f"instance_type {has} (no NVIDIA runtime: install the NVIDIA container toolkit and `nvidia-ctk runtime "
        "configure`). To run the job on CPU with the type's vCPUs and memory, pass --gpu-fallback cpu, or give a "
        "CPU instance type (e.g. ml.m5.xlarge)"
    )


def _cpus(value: float) -> str:
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{number} CPU" if number == "1" else f"{number} CPUs"


def _gib(value: float) -> str:
    return f"{value / GIB:.1f}".removesuffix(".0") + " GiB"
