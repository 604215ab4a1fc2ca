"""Hints and warnings on real jobs: what the summary adds to FailureReason, and what a Completed job did not do."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.options import Staging
from tests.launcher.conftest import BASE_IMAGE, SCRIPTS, byoc, run_local

SKLEARN_IMAGE = "byoc/sklearn:latest"  # has boto3
CODE = str(SCRIPTS / "explain.py")


def line_of(text: str) -> int:
    """The line number of the script's line that starts with `text` (as a traceback names it)."""
    return next(n for n, line in enumerate(Path(CODE).read_text().splitlines(), 1) if line.strip().startswith(text))


def csv_folder(folder: Path, count: int) -> str:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"part-{i}.csv").write_text(f"id,value\n{i},{i * i}\n")
    return str(folder)


def test_hosts_failing_alike_without_a_message_get_one_hint_naming_them(tmp_path: Path, jobs_dir: Path) -> None:
    job = JobDefinition(image_uri=SKLEARN_IMAGE, code=CODE, command=("python3",), arguments=("boto",),
                        instance_count=3)
    status = run_local(job, jobs_dir)
    assert status.status == "Failed"
    assert status.failure_reason is not None and status.failure_reason.startswith("AlgorithmError: ")
    # The service's fields, as they were: only algo-2 wrote a message.
    assert status.exit_message == ("[algo-2] InternalError: ValueError: algo-2 has its own reason (traceback in the "
                                   "job's log)")
    (hint,) = status.hints
    lines = hint.splitlines()
    assert lines[0] == "algo-1 and algo-3 (2 hosts) wrote no exit message; the last traceback in each of their logs:"
    script, dispatch = "/opt/ml/processing/input/code/explain.py", line_of('{"boto"')
    assert lines[1:6] == [f'    File "{script}", line {dispatch}, in <module>',
                          '      {"boto": boto, "partial": partial, "pipe": pipe}[sys.argv[1]]()',
                          f'    File "{script}", line {line_of("client.list_buckets()")}, in boto',
                          "      client.list_buckets()",
                          "    [9 frames in botocore]"]
    assert lines[6:] == ['  botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: '
                         '"http://127.0.0.1:9/"',
                         "  (while handling urllib3.exceptions.NewConnectionError)",
                         "  (caused by ConnectionRefusedError)"]
    assert status.warnings == ()

    described = byoc("describe", status.job_name, "--jobs-dir", str(jobs_dir))
    shown = described.stdout.splitlines()
    start = shown.index(f"hint       {lines[0]}")
    assert shown[start + 1:start + len(lines)] == [f"           {line}" for line in lines[1:]]


def test_inputs_nobody_read_and_outputs_nobody_wrote_are_warned_of(tmp_path: Path, jobs_dir: Path) -> None:
    inputs = (ProcessingInput(csv_folder(tmp_path / "a", 2), "/opt/ml/processing/input/a", "a"),
              ProcessingInput(csv_folder(tmp_path / "b", 4), "/opt/ml/processing/input/b", "b",
                              s3_data_distribution_type="ShardedByS3Key"),
              ProcessingInput(csv_folder(tmp_path / "c", 3), "/opt/ml/processing/input/c", "c"))
    outputs = (ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),
               ProcessingOutput("/opt/ml/processing/output/empty", str(tmp_path / "empty"), "empty"))
    job = JobDefinition(image_uri=BASE_IMAGE, code=CODE, command=("python3",), arguments=("partial",),
                        instance_count=2, inputs=inputs, outputs=outputs)
    status = run_local(job, jobs_dir)
    assert status.status == "Completed", status.failure_reason
    assert status.warnings == (
        "input 'b': no file of it was opened by algo-2; the 2 files staged in /opt/ml/processing/input/b were "
        "never read",
        "input 'c': no file of it was opened by any host (algo-1 and algo-2); the 3 files staged in "
        "/opt/ml/processing/input/c (a copy on each host) were never read",
        f"output 'empty': /opt/ml/processing/output/empty is empty on every host (algo-1 and algo-2); nothing was "
        f"uploaded to {tmp_path / 'empty'}",
    )
    assert status.hints == ()
    described = byoc("describe", status.job_name, "--jobs-dir", str(jobs_dir)).stdout
    assert [line for line in described.splitlines() if line.startswith("warning")] == [
        f"warning    {warning}" for warning in status.warnings]


@pytest.mark.parametrize("staging", [Staging.BIND, Staging.VOLUME])
def test_a_pipe_input_whose_fifo_nobody_opened_is_warned_of(tmp_path: Path, jobs_dir: Path, staging: Staging) -> None:
    data = csv_folder(tmp_path / "data", 4)
    inputs = tuple(ProcessingInput(data, f"/opt/ml/processing/input/{name}", name, s3_input_mode="Pipe",
                                   s3_data_distribution_type="ShardedByS3Key") for name in ("read", "globbed"))
    job = JobDefinition(image_uri=BASE_IMAGE, code=CODE, command=("python3",), arguments=("pipe",),
                        instance_count=2, inputs=inputs,
                        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),))
    status = run_local(job, jobs_dir, staging=staging)
    assert status.status == "Completed", status.failure_reason
    assert status.warnings == ("Pipe input 'globbed': the FIFO /opt/ml/processing/input/globbed/globbed_0 was never "
                               "opened by any host (algo-1 and algo-2); 4 objects were never read",)
    # Each host read its shard (2 files) through the FIFO and found no *.csv file beside the other one.
    assert sorted(p.read_text() for p in (tmp_path / "out").iterdir()) == ["26 bytes, 0 csv\n"] * 2
