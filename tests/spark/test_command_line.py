"""`python -m byoc_spark` as the image's ENTRYPOINT runs it, on the host against a temporary /opt/ml tree.

Only what needs no JVM: usage, bad arguments, bad configuration.json, and a worker host that waits in
vain for its master. Jobs on real clusters are in test_spark_jobs.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mltree import MlTree, job_config
from tests.spark.conftest import REPO


@pytest.fixture
def tree(tmp_path: Path) -> MlTree:
    root = tmp_path / "opt" / "ml"
    root.mkdir(parents=True)
    return MlTree(root)


def run_spark(tree: MlTree, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(REPO / "entrypoints"), "BYOC_ML_ROOT": str(tree.root),
               "BYOC_SPARK_DIR": str(tree.root.parent / "spark"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "byoc_spark", *args], env=environ, capture_output=True, text=True,
                          timeout=60, check=False)


def test_no_arguments_print_the_usage_and_the_bundled_jobs(tree: MlTree) -> None:
    done = run_spark(tree)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: docker run IMAGE spark-app [OPTIONS] APP [APP_ARGS...]")
    assert "  preprocess_reviews     Keep one marketplace's product reviews (TSV)" in done.stdout
    assert tree.message is None


def test_an_unknown_command_is_a_usage_error(tree: MlTree) -> None:
    done = run_spark(tree, "spark-submit", "app.py")
    assert done.returncode == 2
    assert tree.message == ("UsageError: unknown command 'spark-submit': use one of spark-app, smspark-submit or a "
                            "bundled job (preprocess_reviews); `help` shows how")


def test_a_missing_dependency_fails_before_any_spark_process_starts(tree: MlTree) -> None:
    done = run_spark(tree, "smspark-submit", "--py-files", "/opt/ml/processing/input/py-files", "/code/app.py")
    assert done.returncode == 2
    assert tree.message == ("UsageError: --py-files: /opt/ml/processing/input/py-files does not exist (is the input "
                            "channel that should hold it mounted?)")
    assert "starting the Spark master" not in done.stderr


def test_a_bad_configuration_json_is_an_input_error(tree: MlTree) -> None:
    conf = tree.path("/opt/ml/processing/input/conf")
    conf.mkdir(parents=True)
    (conf / "configuration.json").write_text(json.dumps([{"Classification": "spark-default", "Properties": {}}]))
    done = run_spark(tree, "smspark-submit", "/code/app.py")
    assert done.returncode == 4
    assert tree.message is not None
    assert tree.message.startswith("InputError: channel 'conf', file '/opt/ml/processing/input/conf/configuration"
                                   ".json': [0].Classification: unknown classification 'spark-default'")


def test_a_worker_host_says_what_it_waited_for(tree: MlTree) -> None:
    # `localhost` sorts first, so it is the primary; nothing of ours listens on its port 7077.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 7077)) == 0:
            pytest.fail("something listens on 127.0.0.1:7077; this test needs the port closed")
    tree.write_config(job_config(instance_count=2), current_host="worker", hosts=["localhost", "worker"])
    done = run_spark(tree, "spark-app", "/code/app.py", env={"BYOC_SPARK_WAIT_SECONDS": "1"})
    assert done.returncode == 6, done.stderr
    assert tree.message == ("ClusterError: waited 1 s for the Spark master on localhost:7077; nothing listens on "
                            "ports 7077 and 8080 yet. localhost's log says why it did not start one")


def test_a_bad_wait_setting_is_a_usage_error(tree: MlTree) -> None:
    done = run_spark(tree, "spark-app", "/code/app.py", env={"BYOC_SPARK_WAIT_SECONDS": "soon"})
    assert done.returncode == 2
    assert tree.message == "UsageError: BYOC_SPARK_WAIT_SECONDS='soon': expected a positive number of seconds"
