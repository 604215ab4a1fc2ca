"""`byoc serve` runs a request's instance type and network isolation as the local backend does, and echoes
them unchanged: a boto3 client gets the limits and the isolation a `byoc run` job gets, and its `describe`
is the request it sent."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launcher.local.resources import GpuFallback
from launcher.serve.options import ServeOptions
from tests.serve.conftest import BASE_IMAGE, REPO, SERVE, Server, job_request, start_server, unique, wait_status

GIB = 1 << 30
# The container's own memory limit (cgroup v2, else v1, whose "none" is a 19-digit number: max) and whether it
# was given the credentials endpoint; it fails unless both are what its arguments ($0, $1) say. One line: the
# request model refuses newlines in ContainerEntrypoint, as the service's pattern does.
PROBE = ("m=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes); "
         "[ ${#m} -ge 19 ] && m=max; env | grep -q ^AWS_CONTAINER_ && c=yes || c=no; "
         'echo "memory limit $m, credentials $c"; [ "$m $c" = "$0 $1" ]')


def probe_request(name: str, expected_limit: str, isolated: bool, **changes: Any) -> dict[str, Any]:
    return job_request(
        name,
        AppSpecification={"ImageUri": BASE_IMAGE, "ContainerEntrypoint": ["sh", "-c", PROBE],
                          "ContainerArguments": [expected_limit, "no" if isolated else "yes"]},
        ProcessingResources={"ClusterConfig": {
            "InstanceCount": 1, "InstanceType": "ml.t3.medium", "VolumeSizeInGB": 5,
            "VolumeKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
        NetworkConfig={"EnableNetworkIsolation": isolated, "EnableInterContainerTrafficEncryption": False,
                       "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"],
                                     "Subnets": ["subnet-0123456789abcdef0"]}},
        **changes,
    )


def test_an_isolated_sized_job_runs_under_its_instance_types_memory_and_describe_is_its_request(
    sagemaker: Any,
) -> None:
    name = unique("sized")
    request = probe_request(name, str(4 * GIB), isolated=True)
    sagemaker.create_processing_job(**request)
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    for member in ("AppSpecification", "ProcessingResources", "NetworkConfig"):
        assert done[member] == request[member], member


@pytest.fixture(scope="module")
def unlimited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve-unlimited"), "--no-resource-limits")
    yield running
    running.stop()


def test_a_server_started_with_no_resource_limits_gives_its_jobs_the_whole_engine(unlimited: Server) -> None:
    sagemaker = unlimited.client("sagemaker")
    name = unique("unlimited")
    sagemaker.create_processing_job(**probe_request(name, "max", isolated=False))
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    record = (unlimited.jobs / name / "job.json").read_text()
    assert "resource limits off (--no-resource-limits)" in record


def test_a_detached_server_is_started_with_the_same_emulation_options(tmp_path: Path) -> None:
    """`--detach` restarts `byoc serve` with ServeOptions.argv(): the command must take them back."""
    argv = ServeOptions(state_dir=tmp_path, resource_limits=False, gpu_fallback=GpuFallback.CPU).argv()
    assert argv[-3:] == ["--no-resource-limits", "--gpu-fallback", "cpu"]
    assert "--no-resource-limits" not in ServeOptions(state_dir=tmp_path).argv()
    again = subprocess.run([*SERVE, *argv, "--print-env"], cwd=REPO, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
