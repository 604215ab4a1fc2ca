"""What the server's console says as its jobs end: the status, then the hints and warnings DescribeProcessingJob
has no member for; the API's own fields stay the service's."""

from __future__ import annotations

import time
from typing import Any

from tests.launcher.conftest import byoc
from tests.serve.conftest import Server, job_request, unique, wait_status

FAILING = ["python3", "-c", "import json; json.loads('{')"]  # a traceback through the standard library, no message


def console_lines(server: Server, name: str, seconds: float = 10) -> list[str]:
    """The console's lines about `name`, once its end is reported."""
    deadline = time.monotonic() + seconds
    while True:
        lines = server.log.read_text().splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith(f"byoc serve: {name} ")), None)
        if start is not None:
            return lines[start:]
        assert time.monotonic() < deadline, f"no end reported for {name}:\n{''.join(lines[-20:])}"
        time.sleep(0.2)


def test_a_failed_jobs_hint_is_on_the_console_and_in_byoc_describe_not_in_the_api(server: Server,
                                                                                  sagemaker: Any) -> None:
    name = unique("ends-failed")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": "byoc/base:latest", "ContainerEntrypoint": FAILING}))
    described = wait_status(sagemaker, name, {"Failed"})
    assert described["FailureReason"].startswith("AlgorithmError: ")
    assert "JSONDecodeError" not in described["FailureReason"] and "ExitMessage" not in described
    lines = console_lines(server, name)
    assert lines[:2] == [f"byoc serve: {name} Failed",
                         f"byoc serve: {name} hint: algo-1 wrote no exit message; the last traceback in its log:"]
    assert lines[2:5] == ['byoc serve:         File "<string>", line 1, in <module>',
                          "byoc serve:         [3 frames in json]",
                          "byoc serve:       json.decoder.JSONDecodeError: Expecting property name enclosed in double "
                          "quotes: line 1 column 2 (char 1)"]
    shown = byoc("describe", name, "--jobs-dir", str(server.jobs)).stdout.splitlines()
    assert "hint       algo-1 wrote no exit message; the last traceback in its log:" in shown


def test_a_completed_job_with_an_empty_output_is_warned_of(server: Server, sagemaker: Any) -> None:
    name = unique("ends-empty")
    output = {"OutputName": "result", "S3Output": {"S3Uri": f"s3://sagemaker-local/{name}/result",
                                                   "LocalPath": "/opt/ml/processing/output/result",
                                                   "S3UploadMode": "EndOfJob"}}
    sagemaker.create_processing_job(**job_request(name, ProcessingOutputConfig={"Outputs": [output]}))
    wait_status(sagemaker, name, {"Completed"})
    assert console_lines(server, name)[:2] == [
        f"byoc serve: {name} Completed",
        f"byoc serve: {name} warning: output 'result': /opt/ml/processing/output/result is empty on algo-1; nothing "
        f"was uploaded to s3://sagemaker-local/{name}/result"]
