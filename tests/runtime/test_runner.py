"""The top-level handler, run as a real process: exit codes, the message file, SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from tests.mltree import MlTree, job_config
from tests.runtime.conftest import run_module, run_script, runtime_env

SCRIPT_HEAD = "import sys\nfrom byoc_runtime import load_context, run, InputError, UsageError\n"


def test_success_exits_zero_without_a_message(tree: MlTree) -> None:
    result = run_script(tree, SCRIPT_HEAD + "def main(argv):\n    print('ran', argv)\nrun(main)\n", "a", "b")
    assert result.returncode == 0, result.stderr
    assert "ran ['a', 'b']" in result.stdout
    assert tree.message is None


def test_input_error_exits_4_with_cause_first(tree: MlTree) -> None:
    body = "    raise InputError('3 fields, expected 5', channel='raw', file='a.csv', line=7)\n"
    source = SCRIPT_HEAD + "def main(argv):\n" + body + "run(main)\n"
    result = run_script(tree, source)
    assert result.returncode == 4
    assert tree.message == "InputError: channel 'raw', file 'a.csv' line 7: 3 fields, expected 5"
    assert tree.message in result.stderr


def test_unexpected_exception_is_an_internal_error_with_traceback(tree: MlTree) -> None:
    result = run_script(tree, SCRIPT_HEAD + "def main(argv):\n    {}['k']\nrun(main)\n")
    assert result.returncode == 1
    assert tree.message == "InternalError: KeyError: 'k' (traceback in the job's log)"
    assert "Traceback (most recent call last)" in result.stderr


def test_exit_message_is_cut_to_1024_utf8_bytes(tree: MlTree) -> None:
    result = run_script(tree, SCRIPT_HEAD + "def main(argv):\n    raise InputError('ü' * 2000)\nrun(main)\n")
    assert result.returncode == 4
    data = (tree.root / "output/message").read_bytes()
    assert len(data) <= 1024
    assert data.decode("utf-8").startswith("InputError: üü")


def test_sigterm_stops_the_job_with_143_and_a_message(tree: MlTree) -> None:
    source = SCRIPT_HEAD + (
        "import time\ndef main(argv):\n    print('started', flush=True)\n"
        "    try:\n        time.sleep(60)\n    except Exception:\n        print('swallowed')\n"
        "run(main)\n"
    )
    script = tree.root.parent / "sleepy.py"
    script.write_text(source)
    proc = subprocess.Popen(
        [sys.executable, str(script)], env=runtime_env(tree), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert time.monotonic() - started < 10
    assert "swallowed" not in out  # Stopped is not an Exception a job can swallow by accident
    assert tree.message is not None and tree.message.startswith("Stopped: received SIGTERM")


def test_dispatcher_without_arguments_prints_usage(tree: MlTree) -> None:
    result = run_module(tree)
    assert result.returncode == 0
    assert "usage: docker run IMAGE JOB [ARGS...]" in result.stdout
    assert "inventory" in result.stdout


def test_unknown_job_is_a_usage_error(tree: MlTree) -> None:
    result = run_module(tree, "nosuchjob")
    assert result.returncode == 2
    assert tree.message is not None and tree.message.startswith("UsageError: unknown job 'nosuchjob'; this image has:")


def test_bad_job_argument_is_a_usage_error(tree: MlTree) -> None:
    result = run_module(tree, "inventory", "--sleep", "soon")
    assert result.returncode == 2
    assert tree.message == (
        "UsageError: inventory: argument --sleep: invalid float value: 'soon' "
        "(ContainerArguments: see `inventory --help`)"
    )


def test_malformed_config_fails_the_job_with_exit_3(tree: MlTree) -> None:
    (tree.root / "config").mkdir()
    (tree.root / "config/processingjobconfig.json").write_text('{"ProcessingJobName": ')
    (tree.root / "config/resourceconfig.json").write_text('{"current_host": "algo-1", "hosts": ["algo-1"]}')
    result = run_module(tree, "inventory")
    assert result.returncode == 3
    assert tree.message is not None and "processingjobconfig.json: is not valid JSON" in tree.message


def test_inventory_reports_channels_and_host(tree: MlTree) -> None:
    tree.write_config(
        job_config(
            inputs={"raw": "/opt/ml/processing/input/raw"},
            outputs={"inventory": "/opt/ml/processing/output/inv"},
            instance_count=2,
        ),
        current_host="algo-2",
        hosts=["algo-1", "algo-2"],
    )
    (tree.root / "processing/input/raw/sub").mkdir(parents=True)
    (tree.root / "processing/input/raw/sub/a.txt").write_text("hello")
    result = run_module(tree, "inventory")
    assert result.returncode == 0, result.stderr
    report = json.loads((tree.root / "processing/output/inv/algo-2.json").read_text())
    assert report["hosts"] == ["algo-1", "algo-2"] and report["host_index"] == 1
    hello_sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert report["channels"] == {"raw": {"sub/a.txt": hello_sha256}}
