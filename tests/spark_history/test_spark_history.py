"""`byoc spark-history`: the Spark UI of a real PySpark job from its event logs, on localhost, until Ctrl-C."""

from __future__ import annotations

import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from launcher.definition import JobDefinition
from tests.conftest import REGION
from tests.launcher.conftest import BASE_IMAGE, byoc, run_local
from tests.sagemaker.conftest import BUCKET, ROLE, admin_client
from tests.spark_history.conftest import EVENTS_PATH, SparkJob, free_port, get


def apps(port: int) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(get(f"http://127.0.0.1:{port}/api/v1/applications"))
    return listed


def test_a_local_jobs_history_is_served_until_ctrl_c_and_nothing_stays(spark_job: SparkJob, serve_history: Any,
                                                                         tmp_path: Path) -> None:
    port = free_port()
    served = serve_history(spark_job.name, "--jobs-dir", str(spark_job.jobs_dir), "--port", str(port))
    app = served.wait_for("app ")
    assert app.endswith("preprocess_reviews  (completed)"), app
    assert served.wait_for("spark ui") == f"spark ui   http://127.0.0.1:{port}  (Ctrl-C to stop)"
    (listed,) = apps(port)
    assert listed["name"] == "preprocess_reviews" and listed["attempts"][-1]["completed"]
    assert app.split()[1] == listed["id"]
    jobs = json.loads(get(f"http://127.0.0.1:{port}/api/v1/applications/{listed['id']}/jobs"))
    assert jobs and all(job["status"] == "SUCCEEDED" for job in jobs)  # the app's own Spark jobs, from its log
    assert b"History Server" in get(f"http://127.0.0.1:{port}/")
    assert any(path.name.startswith("byoc-spark-history-") for path in (tmp_path / "tmp").iterdir())

    code, _, err = served.interrupt()
    assert code == 0, err
    assert "1 event log file(s) from " in err and f"/{spark_job.name}/hosts/algo-1/ml/processing/spark-events" in err
    assert "stopped: the history server and its copy of the event logs are removed" in err
    assert list((tmp_path / "tmp").iterdir()) == []  # the copy of the logs is gone; the container is checked after


def test_a_sagemaker_jobs_history_comes_from_s3_and_follows_new_logs(spark_job: SparkJob, serve_history: Any,
                                                                       s3_endpoint: str, s3_admin: Any) -> None:
    """The request PySparkProcessor(spark_event_logs_s3_uri=...) sends, on the moto server; the logs in its S3."""
    s3_admin.create_bucket(Bucket=BUCKET)
    name = f"spark-history-sm-{uuid.uuid4().hex[:8]}"
    admin_client("sagemaker", s3_endpoint).create_processing_job(
        ProcessingJobName=name, RoleArn=ROLE,
        ProcessingResources={"ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.m5.xlarge",
                                               "VolumeSizeInGB": 30}},
        AppSpecification={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sagemaker-spark-processing:3.5",
                          "ContainerEntrypoint": ["smspark-submit", "--local-spark-event-logs-dir", EVENTS_PATH,
                                                  "/opt/ml/processing/input/code/app.py"]},
        ProcessingOutputConfig={"Outputs": [{"OutputName": "output-1", "S3Output": {
            "S3Uri": f"s3://{BUCKET}/spark-events", "LocalPath": EVENTS_PATH, "S3UploadMode": "Continuous"}}]})
    # The Continuous output took both the log of the running app (.inprogress) and the finished one, as on
    # SageMaker; the finished app shows once.
    logs = {p.name: p for p in spark_job.events.iterdir()}
    (log,) = [p for p in logs.values() if not p.name.startswith(".") and p.suffix != ".inprogress"]
    assert f"{log.name}.inprogress" in logs
    for path in logs.values():
        s3_admin.upload_file(str(path), BUCKET, f"spark-events/{path.name}")
    port = free_port()
    env = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_REGION": REGION}
    served = serve_history(name, "--backend", "sagemaker", "--port", str(port), env=env)
    served.wait_for("spark ui")
    assert [(app["name"], app["attempts"][-1]["completed"]) for app in apps(port)] == [("preprocess_reviews", True)]

    # A second app's log appears in the prefix while the server runs: the UI lists it within a refresh.
    first = apps(port)[0]["id"]
    second = first[:-4] + "0001"
    s3_admin.put_object(Bucket=BUCKET, Key=f"spark-events/{second}", Body=log.read_bytes().replace(
        first.encode(), second.encode()))
    deadline = time.monotonic() + 60
    while len(listed := apps(port)) < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert sorted(app["id"] for app in listed) == sorted([first, second])
    code, _, err = served.interrupt()
    assert code == 0, err
    assert f"from s3://{BUCKET}/spark-events" in err


def test_a_job_without_event_logs_and_a_taken_port_are_refused(spark_job: SparkJob, tmp_path: Path) -> None:
    jobs_dir = tmp_path / "jobs"
    plain = run_local(JobDefinition(image_uri=BASE_IMAGE, arguments=("help",)), jobs_dir)
    result = byoc("spark-history", plain.job_name, "--jobs-dir", str(jobs_dir))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: job '{plain.job_name}' wrote no Spark event logs: its command has "
                                    "neither --local-spark-event-logs-dir")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        result = byoc("spark-history", "--event-logs", str(spark_job.events), "--port", str(port),
                      env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert f"error: port {port} on 127.0.0.1 is taken" in result.stderr
    assert not any(tmp_path.glob("byoc-spark-history-*"))
    missing = byoc("spark-history", "--event-logs", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and f"no Spark event logs in {tmp_path / 'nothing'}" in missing.stderr
