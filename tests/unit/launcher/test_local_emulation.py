"""The local backend's emulation rules without Docker: resource limits from instance types (and their scaling,
GPUs), the volume check over staging's plan, and the job as it runs here. tests/launcher runs them for real."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
)
from launcher.instance_types import instance_type
from launcher.local import emulation
from launcher.local.cluster import _limits
from launcher.local.disk_space import InsufficientVolumeError, check_volume
from launcher.local.resources import (
    GIB,
    EngineCapacity,
    GpuFallback,
    GpuUnavailableError,
    HostResources,
    host_resources,
)
from launcher.local.workspace import JobWorkspace
from launcher.storage.listing import SourceObject
from launcher.storage.locations import parse_location

LAPTOP = EngineCapacity(cpus=8, memory_bytes=32 * GIB, gpus=False)


def resources(name: str, count: int = 1, engine: EngineCapacity = LAPTOP, *, limits: bool = True,
              gpu_fallback: GpuFallback = GpuFallback.ERROR) -> tuple[HostResources, list[str]]:
    said: list[str] = []
    given = host_resources(instance_type(name), count, engine, said.append, limits=limits, gpu_fallback=gpu_fallback)
    return given, said


def test_a_job_that_fits_gets_its_instance_types_size_and_no_notice() -> None:
    assert resources("ml.m5.xlarge", 2) == (HostResources(cpus=4, memory_bytes=16 * GIB), [])


def test_a_job_larger_than_the_engine_is_scaled_down_in_proportion_and_says_what() -> None:
    given, said = resources("ml.m5.4xlarge", 3)  # 48 vCPUs and 192 GiB asked of 8 CPUs and 32 GiB
    assert given.cpus == 8 and given.memory_bytes == pytest.approx(32 * GIB / 3, abs=1)
    assert said == ["resources scaled down: 3 x ml.m5.4xlarge ask for 48 CPUs and 192 GiB in all, this engine has "
                    "8 CPUs and 32 GiB: the hosts share 8 CPUs, not 16 CPUs each (each may use up to 8 CPUs, equal "
                    "shares when all are busy); each host gets 10.7 GiB of memory instead of 64 GiB; a job that runs "
                    "out of memory here may not on SageMaker. --no-resource-limits lifts the limits"]


def test_hosts_sharing_the_engines_cpus_are_each_capped_at_their_types_vcpus() -> None:
    given, said = resources("ml.t3.medium", 6)  # 12 vCPUs asked of 8 CPUs; memory fits
    assert given == HostResources(cpus=2, memory_bytes=4 * GIB)
    assert said == ["resources scaled down: 6 x ml.t3.medium ask for 12 CPUs and 24 GiB in all, this engine has "
                    "8 CPUs and 32 GiB: the hosts share 8 CPUs, not 2 CPUs each (each may use up to 2 CPUs, equal "
                    "shares when all are busy). --no-resource-limits lifts the limits"]


def test_only_what_is_scaled_down_is_named() -> None:
    given, said = resources("ml.r5.large", 1, EngineCapacity(cpus=1, memory_bytes=64 * GIB, gpus=False))
    assert given == HostResources(cpus=1, memory_bytes=16 * GIB)
    assert said == ["resources scaled down: an ml.r5.large asks for 2 CPUs and 16 GiB in all, this engine has 1 CPU "
                    "and 64 GiB: the host gets 1 CPU instead of 2 CPUs. --no-resource-limits lifts the limits"]


def test_no_limits_leaves_cpu_and_memory_free_and_says_so() -> None:
    given, said = resources("ml.t3.medium", limits=False)
    assert given == HostResources()
    assert said == ["resource limits off (--no-resource-limits): each host may use all of this engine (8 CPUs, "
                    "32 GiB), not the 2 CPUs and 4 GiB of an ml.t3.medium"]


def test_gpu_types_get_the_engines_gpus_or_fail_or_fall_back_to_cpu() -> None:
    with_gpus = EngineCapacity(cpus=64, memory_bytes=512 * GIB, gpus=True)
    assert resources("ml.g4dn.12xlarge", engine=with_gpus) == (HostResources(48, 192 * GIB, 4), [])
    with pytest.raises(GpuUnavailableError) as refused:
        resources("ml.g5.xlarge")
    assert str(refused.value).startswith("instance_type ml.g5.xlarge has 1 GPU, but this Docker engine has none")
    assert refused.value.exit_code == 3
    given, said = resources("ml.p3.8xlarge", engine=EngineCapacity(64, 512 * GIB, False), gpu_fallback=GpuFallback.CPU)
    assert given == HostResources(32, 244 * GIB, 0)
    assert said == ["ml.p3.8xlarge has 4 GPUs, but this Docker engine has none: the job runs on CPU only "
                    "(--gpu-fallback cpu), with the type's vCPUs and memory"]


def test_the_engine_gets_a_cpu_quota_a_memory_limit_swap_cannot_extend_and_gpu_requests() -> None:
    options = _limits(HostResources(cpus=2.5, memory_bytes=4 * GIB, gpus=2))
    requests = options.pop("device_requests")
    assert options == {"nano_cpus": 2_500_000_000, "mem_limit": 4 * GIB, "memswap_limit": 4 * GIB}
    assert [(r["Count"], r["Capabilities"]) for r in requests] == [(2, [["gpu"]])]
    assert _limits(HostResources()) == {}


def objects(*sizes: int) -> list[SourceObject]:
    return [SourceObject(parse_location(f"s3://b/k{i}"), PurePosixPath(f"k{i}"), size) for i, size in enumerate(sizes)]


def test_the_volume_check_counts_each_hosts_file_mode_inputs_only() -> None:
    data = ProcessingInput("s3://b/k", "/opt/ml/processing/input/data", "data")
    piped = ProcessingInput("s3://b/p", "/opt/ml/processing/input/piped", "piped", s3_input_mode="Pipe")
    plans = {"data": {"algo-1": objects(GIB // 2), "algo-2": objects(GIB // 2, GIB // 2 + 1)},
             "piped": {"algo-1": objects(5 * GIB), "algo-2": objects(5 * GIB)}}
    check_volume((data, piped), {"data": {"algo-1": plans["data"]["algo-1"]}, "piped": {"algo-1": objects(5 * GIB)}}, 1)
    with pytest.raises(InsufficientVolumeError) as caught:
        check_volume((data, piped), plans, 1)
    assert str(caught.value).startswith(f"Data download failed:Insufficient disk space: the File-mode inputs of "
                                        f"algo-2 need 1.0 GB ({GIB + 1} bytes), more than its volume_size_in_gb: 1")
    assert "input 'data' 1.0 GB. Raise volume_size_in_gb, spread input 'data' over" in str(caught.value)
    check_volume((data, piped), plans, 2)


ATHENA = AthenaDatasetDefinition("AwsDataCatalog", "sales", "SELECT 1", "s3://results/")


def test_the_job_as_it_runs_here_and_what_is_said_about_it(tmp_path: Path) -> None:
    query = ProcessingInput(input_name="orders", local_source="s3://b/orders/", app_managed=True,
                            dataset_definition=DatasetDefinition(input_mode="Pipe", local_path="/opt/ml/processing/q",
                                                                 athena_dataset_definition=ATHENA))
    store = ProcessingOutput(output_name="features", feature_store_output=FeatureStoreOutput("orders"))
    job = JobDefinition("img", inputs=(query,), outputs=(store,), tags={"a": "b"},
                        network_config=NetworkConfig(enable_network_isolation=True,
                                                     encrypt_inter_container_traffic=False))
    local = emulation.local_definition(job)
    assert local.inputs == (ProcessingInput("s3://b/orders/", "/opt/ml/processing/q", "orders", s3_input_mode="Pipe",
                                            s3_data_distribution_type="ShardedByS3Key", app_managed=True),)
    assert local.outputs == ()
    emulation.check_stand_ins(job)
    workspace = JobWorkspace(tmp_path)
    assert emulation.notices(job, workspace) == [
        "network isolation: the hosts reach each other and nothing else (no internet, no S3), as on SageMaker",
        "input 'orders': an Athena query is not run locally; its stand-in s3://b/orders/ is staged at "
        "/opt/ml/processing/q as the result would be (ShardedByS3Key, Pipe mode)",
        f"output 'features': nothing is written to Feature Store group 'orders' locally (on SageMaker the job writes "
        f"it itself); what the job writes under /opt/ml stays in {tmp_path}/hosts/<host>/ml",
        "no local effect, passed through to SageMaker and echoed in each host's processingjobconfig.json: tags",
    ]
    assert emulation.notices(JobDefinition("img"), workspace) == []
