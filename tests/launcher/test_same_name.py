"""Jobs of one name from two jobs folders share an engine: neither breaks the other, each clean-up takes its own.

A job name is unique within its jobs folder (as on SageMaker within an account and region), so two folders
(two test sessions, a `byoc serve` beside a `byoc run`) may each run a job of the same name, and a machine
that went down mid-job leaves that job's containers and network in the engine under the job's names.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.debug.kept import clean
from launcher.local.backend import LocalBackend
from launcher.local.cluster import LABEL_FOLDER, LABEL_JOB, labels
from launcher.local.options import Keep, LocalOptions
from tests.launcher.conftest import BASE_IMAGE, behave_job

NAME = "twin"


def running_hosts(client: docker.DockerClient, folder: Path) -> list[str]:
    selector = {"label": [f"{LABEL_JOB}={NAME}", f"{LABEL_FOLDER}={folder}"], "status": "running"}
    return sorted(c.labels.get("byoc.host", "") for c in client.containers.list(filters=selector))


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """What a job `twin` of a third folder left when its machine went down: its network and a host's container."""
    client = docker.from_env()
    marks = labels(NAME, folder=str(tmp_path / "gone" / NAME))
    network = client.networks.create(f"byoc-{NAME}", driver="bridge", labels=marks)
    container = client.containers.create(BASE_IMAGE, ["true"], name=f"byoc-{NAME}-algo-2", labels=marks)
    yield str(network.id), str(container.id)
    container.remove(force=True)
    network.remove()


def test_a_job_runs_beside_a_same_named_job_and_its_leftovers_and_cleans_only_its_own(
    tmp_path: Path, leftovers: tuple[str, str]
) -> None:
    client = docker.from_env()
    first = LocalBackend(LocalOptions(jobs_dir=tmp_path / "first", stop_grace_seconds=10))
    first.submit(behave_job(tmp_path / "a", "--sleep-on", "algo-1=120", "--sleep-on", "algo-2=120",
                            instance_count=2, job_name=NAME, outputs=()))
    deadline = time.monotonic() + 60
    while running_hosts(client, tmp_path / "first" / NAME) != ["algo-1", "algo-2"]:
        assert time.monotonic() < deadline, "the first job's hosts never ran"
        time.sleep(0.2)

    second = LocalBackend(LocalOptions(jobs_dir=tmp_path / "second", stop_grace_seconds=10, keep=Keep.FAILED))
    status = second.wait(second.submit(behave_job(tmp_path / "b", "--fail-on", "algo-2", "--write", "out",
                                                  instance_count=2, job_name=NAME)))

    # It ran as itself (algo-2's own failure, not the engine's), under names of its own.
    assert status.status == "Failed"
    assert status.failure_reason is not None and status.failure_reason.startswith("AlgorithmError: InputError")
    kept = [n for n in status.notices if n.startswith("kept algo-2's container ")]
    assert len(kept) == 1, status.notices
    name = kept[0].split()[3]
    assert name.startswith(f"byoc-{NAME}-") and name.endswith("-algo-2") and name != f"byoc-{NAME}-algo-2"
    assert client.containers.get(name).labels[LABEL_FOLDER] == str(tmp_path / "second" / NAME)

    assert clean(client, second, NAME) == {NAME: 1}
    assert running_hosts(client, tmp_path / "first" / NAME) == ["algo-1", "algo-2"], "the first job was touched"
    assert {c.id for c in client.containers.list(all=True)} >= {leftovers[1]}
    assert leftovers[0] in {n.id for n in client.networks.list()}

    first.stop(NAME)
    stopped = first.wait(NAME)
    assert stopped.status == "Stopped" and [h.exit_code for h in stopped.hosts] == [143, 143]
