"""Failures inside a real container: exit code and /opt/ml/output/message for each."""

from __future__ import annotations

import time

import pytest

from tests.containers.conftest import ContainerRun, image_tag
from tests.mltree import MlTree, job_config

IMAGES = ["base", "sklearn"]


@pytest.mark.parametrize("name", IMAGES)
def test_docker_stop_sends_sigterm_and_the_job_exits_143(name: str, tree: MlTree) -> None:
    container = ContainerRun(image_tag(name), tree, command=["inventory", "--sleep", "120"]).container()
    container.start()
    try:
        wrapped = container.get_wrapped_container()
        deadline = time.monotonic() + 30
        while b"sleeping" not in wrapped.logs() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b"sleeping" in wrapped.logs(), wrapped.logs().decode()
        wrapped.stop(timeout=60)  # SIGTERM, then SIGKILL after 60 s: a 137 here means SIGTERM was ignored
        assert wrapped.wait(timeout=10)["StatusCode"] == 143
    finally:
        container.stop()
    assert tree.message is not None and tree.message.startswith("Stopped: received SIGTERM")


@pytest.mark.parametrize("name", IMAGES)
def test_malformed_job_config_exits_3_naming_the_file(name: str, tree: MlTree) -> None:
    (tree.root / "config").mkdir()
    (tree.root / "config/processingjobconfig.json").write_text('{"ProcessingJobName": "x",')
    (tree.root / "config/resourceconfig.json").write_text('{"current_host": "algo-1", "hosts": ["algo-1"]}')
    result = ContainerRun(image_tag(name), tree, command=["inventory"]).run()
    assert result.exit_code == 3
    assert tree.message == (
        "ContractError: /opt/ml/config/processingjobconfig.json: is not valid JSON: "
        "Expecting property name enclosed in double quotes at line 1"
    )


@pytest.mark.parametrize("name", IMAGES)
def test_missing_channel_folder_exits_4_naming_the_channel(name: str, tree: MlTree) -> None:
    tree.write_config(job_config(inputs={"raw": "/opt/ml/processing/input/raw"}))
    (tree.root / "processing/input/raw").rmdir()
    result = ContainerRun(image_tag(name), tree, command=["inventory"]).run()
    assert result.exit_code == 4
    assert tree.message == (
        "InputError: channel 'raw': LocalPath /opt/ml/processing/input/raw does not exist in "
        "the container (was the channel mounted?)"
    )
    assert tree.message in result.stderr


@pytest.mark.parametrize("name", IMAGES)
def test_output_folder_not_writable_exits_5_naming_the_output(name: str, tree: MlTree) -> None:
    tree.write_config(job_config(outputs={"inventory": "/opt/ml/processing/output/inventory"}))
    (tree.root / "processing/output/inventory").mkdir(parents=True)
    result = ContainerRun(image_tag(name), tree, command=["inventory"], read_only_outputs=True).run()
    assert result.exit_code == 5
    assert tree.message == (
        "OutputError: output 'inventory', path '/opt/ml/processing/output/inventory': "
        "the folder is not writable: it is on a read-only file system"
    )
