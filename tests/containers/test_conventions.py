"""What `docker run IMAGE`, `docker run IMAGE args...` and `--entrypoint` do, for every image."""

from __future__ import annotations

import json

import docker
import pytest

from tests.containers.conftest import ContainerRun, image_tag
from tests.mltree import MlTree, job_config

IMAGES = ["base", "sklearn"]

USER_SCRIPT = """\
import sys
from byoc_runtime import load_context, run

def main(argv):
    ctx = load_context()
    print("script", ctx.current_host, [c.name for c in ctx.job.inputs], argv)

run(main)
"""


@pytest.mark.parametrize("name", IMAGES)
def test_plain_run_prints_the_jobs_and_exits_0(name: str, tree: MlTree) -> None:
    result = ContainerRun(image_tag(name), tree).run()
    assert result.exit_code == 0, result.stderr
    assert "usage: docker run IMAGE JOB [ARGS...]" in result.stdout
    assert "inventory" in result.stdout
    assert "Traceback" not in result.stderr


def test_sklearn_image_lists_its_jobs(tree: MlTree) -> None:
    result = ContainerRun(image_tag("sklearn"), tree).run()
    assert "pca_ecg" in result.stdout and "process_data" in result.stdout


@pytest.mark.parametrize("name", IMAGES)
def test_arguments_replace_cmd_and_reach_the_entrypoint(name: str, tree: MlTree) -> None:
    (tree.root / "processing/output/inventory").mkdir(parents=True)
    result = ContainerRun(image_tag(name), tree, command=["inventory", "--env", "PYTHONPATH"]).run()
    assert result.exit_code == 0, result.stderr
    report = json.loads((tree.root / "processing/output/inventory/algo-1.json").read_text())
    assert report["argv"] == ["--env", "PYTHONPATH"]
    assert report["uid"] == 0  # root on purpose: SageMaker's /opt/ml/processing is root-owned
    assert report["env"] == {"PYTHONPATH": "/opt/byoc"}


@pytest.mark.parametrize("name", IMAGES)
def test_entrypoint_override_runs_a_user_script_with_the_runtime_importable(name: str, tree: MlTree) -> None:
    code = tree.root / "processing/input/code"
    code.mkdir(parents=True)
    (code / "job.py").write_text(USER_SCRIPT)
    run = ContainerRun(
        image_tag(name), tree, entrypoint=["python3"], command=["/opt/ml/processing/input/code/job.py", "--flag", "x"]
    )
    result = run.run()
    assert result.exit_code == 0, result.stderr
    assert "script algo-1 ['code'] ['--flag', 'x']" in result.stdout


@pytest.mark.parametrize("name", IMAGES)
def test_mounted_config_gives_channels_hosts_and_arguments(name: str, tree: MlTree) -> None:
    job = job_config(
        inputs={"raw": "/opt/ml/processing/input/raw"},
        outputs={"inventory": "/opt/ml/processing/output/inventory"},
        instance_count=2,
        arguments=["inventory"],
    )
    tree.write_config(job, current_host="algo-2", hosts=["algo-1", "algo-2"])
    (tree.root / "processing/input/raw/part-0.csv").write_text("a,b\n1,2\n")
    result = ContainerRun(image_tag(name), tree, command=["inventory"]).run()
    assert result.exit_code == 0, result.stderr
    report = json.loads((tree.root / "processing/output/inventory/algo-2.json").read_text())
    assert report["hosts"] == ["algo-1", "algo-2"]
    assert report["current_host"] == "algo-2" and report["host_index"] == 1
    assert list(report["channels"]["raw"]) == ["part-0.csv"]


@pytest.mark.parametrize("name", IMAGES)
def test_image_metadata_is_exec_form_amd64(name: str) -> None:
    attrs = docker.from_env().images.get(image_tag(name)).attrs
    assert attrs["Architecture"] == "amd64" and attrs["Os"] == "linux"
    assert attrs["Config"]["Entrypoint"] == ["python3", "-m", "byoc_runtime"]
    assert attrs["Config"]["Cmd"] == ["help"]
    assert attrs["Config"]["User"] in ("", "root")
