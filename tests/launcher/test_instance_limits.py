"""Instance types locally: each host's container gets its type's CPUs and memory, as real cgroup limits.

The job (scripts/resources.py) reads its own cgroup, so these check what the kernel enforces, not what the
launcher asked for; the memory test makes the kernel kill a container that uses more than an ml.t3.medium has.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingOutput
from launcher.instance_types import instance_type
from launcher.local.cluster import engine_capacity
from launcher.local.resources import GIB, EngineCapacity
from tests.launcher.conftest import BASE_IMAGE, SCRIPTS, byoc, job_folder, run_local

T3_MEDIUM = instance_type("ml.t3.medium")  # 2 vCPUs, 4 GiB


@pytest.fixture(scope="module")
def capacity() -> EngineCapacity:
    return engine_capacity(docker.from_env().info())


def resources_job(tmp_path: Path, *args: str, **fields: Any) -> JobDefinition:
    return JobDefinition(image_uri=BASE_IMAGE, code=str(SCRIPTS / "resources.py"), command=("python3",),
                         arguments=("--write", "out", *args),
                         outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),),
                         **fields)


def reports(status: JobStatus) -> dict[str, dict[str, Any]]:
    """Each host's report, read from its folder in the job (there whatever the job's outcome)."""
    folder = job_folder(status)
    return {h.name: json.loads((folder / f"hosts/{h.name}/ml/processing/output/out/{h.name}.json").read_text())
            for h in status.hosts}


def test_each_host_gets_its_instance_types_cpus_and_memory_and_no_swap_past_it(
    tmp_path: Path, jobs_dir: Path, capacity: EngineCapacity
) -> None:
    status = run_local(resources_job(tmp_path, instance_type="ml.t3.medium"), jobs_dir)
    assert status.status == "Completed", status.failure_reason
    report = reports(status)["algo-1"]
    memory = min(4 * GIB, capacity.memory_bytes)
    assert (report["memory"], report["memory_and_swap"]) == (memory, memory)
    assert report["cpus"] == pytest.approx(min(T3_MEDIUM.vcpus, capacity.cpus), abs=0.01)
    fits = capacity.cpus >= T3_MEDIUM.vcpus and capacity.memory_bytes >= 4 * GIB
    assert any(n.startswith("resources scaled down") for n in status.notices) is not fits


def test_a_host_using_more_memory_than_its_instance_type_has_fails_the_job_with_out_of_memory(
    tmp_path: Path, jobs_dir: Path
) -> None:
    """SageMaker's OutOfMemory, naming the host the kernel killed; the other host had finished."""
    job = resources_job(tmp_path, "--allocate-on", "algo-2=5", instance_type="ml.t3.medium", instance_count=2)
    status = run_local(job, jobs_dir)
    assert status.status == "Failed"
    assert status.failure_reason is not None
    assert status.failure_reason.startswith("OutOfMemory: host algo-2 was killed by the kernel's OOM killer (exit "
                                            "code 137)"), status.failure_reason
    assert {h.name: h.exit_code for h in status.hosts} == {"algo-1": 0, "algo-2": 137}
    log = (job_folder(status) / "hosts/algo-2/log.txt").read_text()
    assert "algo-2 holds 3 GiB" in log and "algo-2 holds 4 GiB" not in log  # killed at its 4 GiB, not earlier


def test_a_job_larger_than_the_engine_runs_scaled_down_and_says_so_once(
    tmp_path: Path, jobs_dir: Path, capacity: EngineCapacity
) -> None:
    big = instance_type("ml.m5.24xlarge")  # 96 vCPUs, 384 GiB each: 288 and 1152 GiB asked
    status = run_local(resources_job(tmp_path, instance_type=big.name, instance_count=3), jobs_dir)
    assert status.status == "Completed", status.failure_reason
    memory = capacity.memory_bytes // 3
    for report in reports(status).values():  # the CPUs shared, each host capped at the engine's; memory split
        assert report["cpus"] == pytest.approx(capacity.cpus, abs=0.01)
        assert report["memory"] == pytest.approx(memory, abs=4096)  # the kernel rounds a limit to whole pages
    scaled = [n for n in status.notices if n.startswith("resources scaled down")]
    assert scaled == [
        f"resources scaled down: 3 x ml.m5.24xlarge ask for 288 CPUs and 1152 GiB in all, this engine has "
        f"{capacity.cpus} CPUs and {capacity.memory_bytes / GIB:.1f} GiB: the hosts share {capacity.cpus} CPUs, not "
        f"96 CPUs each (each may use up to {capacity.cpus} CPUs, equal shares when all are busy); each host gets "
        f"{memory / GIB:.1f} GiB of memory instead of 384 GiB; a job that runs out of memory here may not on "
        "SageMaker. --no-resource-limits lifts the limits"
    ]


def job_file(tmp_path: Path, instance: str) -> Path:
    file = tmp_path / "job.yaml"
    file.write_text(textwrap.dedent(f"""\
        job_name: limits-{instance.replace('.', '-')}
        image_uri: {BASE_IMAGE}
        instance_type: {instance}
        code: {SCRIPTS / 'resources.py'}
        command: [python3]
        arguments: [--write, out]
        outputs:
          - {{output_name: out, source: /opt/ml/processing/output/out, destination: out}}
        """))
    return file


def test_byoc_run_no_resource_limits_gives_each_host_the_whole_engine(tmp_path: Path, jobs_dir: Path) -> None:
    result = byoc("run", str(job_file(tmp_path, "ml.t3.medium")), "--jobs-dir", str(jobs_dir), "--no-resource-limits")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out/algo-1.json").read_text())
    assert (report["memory"], report["memory_and_swap"], report["cpus"]) == (None, None, None)
    assert "resource limits off (--no-resource-limits): each host may use all of this engine" in result.stderr
    refused = byoc("run", str(job_file(tmp_path, "ml.t3.medium")), "--backend", "sagemaker", "--no-resource-limits")
    assert refused.returncode == 2
    assert "--no-resource-limits: only for the local backend" in refused.stderr


def test_a_gpu_type_without_gpus_fails_saying_how_to_run_on_cpu_or_runs_on_cpu_when_asked(
    tmp_path: Path, jobs_dir: Path, capacity: EngineCapacity
) -> None:
    assert not capacity.gpus, "this test is about an engine without NVIDIA GPUs"
    file = job_file(tmp_path, "ml.g4dn.xlarge")  # 4 vCPUs, 16 GiB, 1 GPU
    failed = byoc("run", str(file), "--jobs-dir", str(jobs_dir), "--job-name", "gpu-refused")
    assert failed.returncode == 3, failed.stderr  # the backend cannot run it, as for a missing image
    assert ("ClientError: instance_type ml.g4dn.xlarge has 1 GPU, but this Docker engine has none (no NVIDIA "
            "runtime") in failed.stdout
    assert "pass --gpu-fallback cpu, or give a CPU instance type" in failed.stdout
    ran = byoc("run", str(file), "--jobs-dir", str(jobs_dir), "--gpu-fallback", "cpu")
    assert ran.returncode == 0, ran.stderr
    assert ("ml.g4dn.xlarge has 1 GPU, but this Docker engine has none: the job runs on CPU only (--gpu-fallback "
            "cpu), with the type's vCPUs and memory") in ran.stderr
    report = json.loads((tmp_path / "out/algo-1.json").read_text())
    assert report["memory"] == 16 * GIB
