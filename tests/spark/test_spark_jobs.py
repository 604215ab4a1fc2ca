"""Spark jobs on the local backend: real containers of byoc/spark forming one cluster over N hosts.

What is asserted comes from Spark's own records (the event log: which hosts ran executors and tasks)
and from the data (the Parquet output read back with pyarrow), not from our log lines.
"""

from __future__ import annotations

import csv
import json
import threading
import time
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import docker
import pyarrow.parquet as pq
import pytest

from launcher.backend import JobStatus
from launcher.definition import JobDefinition, ProcessingInput, ProcessingOutput
from launcher.local.cluster import LABEL_HOST, LABEL_JOB
from tests.job_logs import alarming_host_lines
from tests.launcher.conftest import job_folder
from tests.spark.conftest import APPS, REPO, REVIEWS, job_name, run_local, timed_run

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("nothing_left_behind")]

PREPROCESS = REPO / "entrypoints" / "spark_jobs" / "preprocess_reviews.py"
KEPT_COLUMNS = ["marketplace", "customer_id", "review_id", "star_rating"]
EVENTS_PATH = "/opt/ml/processing/spark-events/"
REVIEWS_INPUT = ProcessingInput(str(REVIEWS), "/opt/ml/processing/input/reviews", "reviews")
REVIEW_ARGS = ("--input", "/opt/ml/processing/input/reviews", "--output", "/opt/ml/processing/output/clean")


def expected_us_reviews() -> list[tuple[str, str, str, int]]:
    rows = []
    for file in sorted(REVIEWS.glob("*.tsv")):
        with file.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["marketplace"] == "US":
                    rows.append(("US", row["customer_id"], row["review_id"], int(row["star_rating"])))
    return sorted(rows)


def read_reviews(folder: Path) -> tuple[list[str], list[tuple[str, str, str, int]]]:
    table = pq.read_table(folder)  # part-*.parquet; `_SUCCESS` and `.crc` files are skipped by pyarrow
    rows = sorted(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))
    return table.column_names, rows


def spark_events(folder: Path) -> list[dict[str, Any]]:
    """The finished event log of the one app in `folder` (Spark renames it from `.inprogress` at the end)."""
    logs = [p for p in folder.glob("app-*") if not p.name.endswith(".inprogress")]
    assert len(logs) == 1, f"expected one finished event log in {folder}: {sorted(folder.iterdir())}"
    return [json.loads(line) for line in logs[0].read_text().splitlines() if line.strip()]


def executor_hosts(events: list[dict[str, Any]]) -> set[str]:
    return {e["Executor Info"]["Host"] for e in events if e["Event"] == "SparkListenerExecutorAdded"}


def task_hosts(events: list[dict[str, Any]]) -> set[str]:
    return {e["Task Info"]["Host"] for e in events if e["Event"] == "SparkListenerTaskEnd"}


def sdk_pyspark_command(*, submit_py_files: list[str], configuration: list[dict[str, Any]]) -> tuple[list[str], str]:
    """What PySparkProcessor.run() sends, built by the SDK itself: its ContainerEntrypoint before the code
    path, and the configuration.json it uploads. (`run()` itself needs a live session; the S3 calls here go
    to a mock.)"""
    session = mock.MagicMock()
    session.default_bucket.return_value = "bucket"
    session.default_bucket_prefix = None
    session.sagemaker_config = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK's deprecation notices
        from sagemaker.core.spark.processing import PySparkProcessor

        processor: Any = PySparkProcessor(role="arn:aws:iam::123456789012:role/spark", image_uri="byoc/spark",
                                          instance_count=2, instance_type="ml.m5.xlarge", sagemaker_session=session)
        processor._current_job_name = "sdk-job"
        processor._extend_processing_args([], [], submit_py_files=submit_py_files, configuration=configuration,
                                          spark_event_logs_s3_uri="s3://bucket/spark-events")
    body = session.upload_string_as_file_body.call_args.kwargs["body"]
    return list(processor.command), (body.getvalue() if hasattr(body, "getvalue") else body).decode("utf-8")


def test_bundled_job_through_spark_app_on_one_instance(spark_image: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    out, events = tmp_path / "out", tmp_path / "events"
    job = JobDefinition(
        image_uri=spark_image, job_name=job_name("one"), instance_count=1,
        arguments=("spark-app", "--local-spark-event-logs-dir", EVENTS_PATH,
                   "--conf", "spark.sql.parquet.compression.codec=gzip", "preprocess_reviews", *REVIEW_ARGS),
        inputs=(REVIEWS_INPUT,),
        outputs=(ProcessingOutput("/opt/ml/processing/output/clean", str(out), "clean"),
                 ProcessingOutput(EVENTS_PATH, str(events), "events")),
    )
    record = timed_run(request, "preprocess_reviews, 1 instance", job, tmp_path / "jobs")
    assert record.status == "Completed", record.failure_reason
    columns, rows = read_reviews(out)
    assert columns == KEPT_COLUMNS
    assert rows == expected_us_reviews() and len(rows) == 199
    assert {pq.ParquetFile(p).metadata.row_group(0).column(0).compression for p in out.glob("part-*")} == {"GZIP"}
    assert executor_hosts(spark_events(events)) == {"algo-1"}
    assert not alarming_host_lines(job_folder(record)), "a successful job's log reads as a success"


def test_pyspark_processor_command_runs_on_two_instances(spark_image: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest) -> None:
    helpers = tmp_path / "py-files"
    helpers.mkdir()
    (helpers / "review_rules.py").write_text("MARKETPLACE = 'US'\n")
    command, configuration = sdk_pyspark_command(
        submit_py_files=[str(helpers / "review_rules.py")],
        configuration=[{"Classification": "spark-defaults",
                        "Properties": {"spark.sql.parquet.compression.codec": "gzip"}}])
    assert command == ["smspark-submit", "--py-files", "/opt/ml/processing/input/py-files",
                       "--local-spark-event-logs-dir", EVENTS_PATH]
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "configuration.json").write_text(configuration)
    out, events = tmp_path / "out", tmp_path / "events"
    job = JobDefinition(
        image_uri=spark_image, job_name=job_name("two"), instance_count=2,
        code=str(PREPROCESS), command=tuple(command), arguments=REVIEW_ARGS,
        inputs=(REVIEWS_INPUT, ProcessingInput(str(conf), "/opt/ml/processing/input/conf", "conf"),
                ProcessingInput(str(helpers), "/opt/ml/processing/input/py-files", "py-files")),
        outputs=(ProcessingOutput("/opt/ml/processing/output/clean", str(out), "clean"),
                 ProcessingOutput(EVENTS_PATH, str(events), "events", s3_upload_mode="Continuous")),
    )
    record = timed_run(request, "preprocess_reviews, 2 instances (PySparkProcessor)", job, tmp_path / "jobs")
    assert record.status == "Completed", record.failure_reason
    assert [h.exit_code for h in record.hosts] == [0, 0]
    # The cluster's start and stop print no ERROR or stack trace (a worker outliving its master would).
    assert not alarming_host_lines(job_folder(record)), "a successful job's log reads as a success"
    spark = spark_events(events)
    assert executor_hosts(spark) == {"algo-1", "algo-2"}
    assert task_hosts(spark) == {"algo-1", "algo-2"}
    # Each host kept the part files its executors wrote; the output is their union.
    algo2_output = job_folder(record) / "hosts/algo-2/ml/processing/output/clean"
    assert list(algo2_output.glob("part-*.parquet")), "algo-2's executor wrote no part of the output"
    columns, rows = read_reviews(out)
    assert columns == KEPT_COLUMNS
    assert rows == expected_us_reviews()
    assert {pq.ParquetFile(p).metadata.row_group(0).column(0).compression for p in out.glob("part-*")} == {"GZIP"}


def test_a_failing_app_fails_the_job_with_its_python_error(spark_image: str, tmp_path: Path) -> None:
    job = JobDefinition(image_uri=spark_image, job_name=job_name("fail"), instance_count=1,
                        code=str(APPS / "fail_in_task.py"), command=("smspark-submit",))
    record = run_local(job, tmp_path / "jobs")
    assert record.status == "Failed"
    assert record.failure_reason is not None
    assert record.failure_reason.startswith("AlgorithmError: SparkAppError: ValueError: review 13 has no stars")
    assert record.failure_reason.endswith("exit code: 1 (host algo-1)")
    assert record.exit_message is not None
    assert record.exit_message.startswith("[algo-1] SparkAppError: ValueError: review 13 has no stars (the Spark "
                                          "app /opt/ml/processing/input/code/fail_in_task.py exited with code 1)")


EXECUTORS_QUERY = """
import json, urllib.request
base = "http://localhost:4040/api/v1/applications"
try:
    app = json.load(urllib.request.urlopen(base, timeout=2))[0]["id"]
    print(json.dumps(json.load(urllib.request.urlopen(f"{base}/{app}/executors", timeout=2))))
except Exception:
    print("[]")
"""


def driver_executors(client: Any, job: str) -> list[dict[str, Any]]:
    """The running app's executors, from the driver's REST API, asked from inside algo-1 (docker exec)."""
    containers = client.containers.list(filters={"label": [f"{LABEL_JOB}={job}", f"{LABEL_HOST}=algo-1"]})
    if not containers:
        return []
    try:
        result = containers[0].exec_run(["python3", "-c", EXECUTORS_QUERY], environment={"no_proxy": "*"})
    except docker.errors.APIError:  # the container is just starting or already gone
        return []
    executors: list[dict[str, Any]] = json.loads(result.output.decode() or "[]") if result.exit_code == 0 else []
    return executors


def test_losing_a_worker_host_mid_job_fails_the_job_without_hanging(spark_image: str, tmp_path: Path) -> None:
    name = job_name("lost")
    job = JobDefinition(image_uri=spark_image, job_name=name, instance_count=2,
                        code=str(APPS / "slow_stage.py"), command=("smspark-submit",))
    result: list[JobStatus] = []
    runner = threading.Thread(target=lambda: result.append(run_local(job, tmp_path / "jobs")))
    runner.start()
    client = docker.from_env()
    deadline = time.monotonic() + 240
    while not any(e["hostPort"].startswith("algo-2:") and e["activeTasks"] > 0 for e in driver_executors(client, name)):
        assert runner.is_alive(), f"the job ended before algo-2 ran a task: {result}"
        assert time.monotonic() < deadline, "algo-2's executor never ran a task"
        time.sleep(1)
    killed = time.monotonic()
    client.containers.list(filters={"label": [f"{LABEL_JOB}={name}", f"{LABEL_HOST}=algo-2"]})[0].kill()
    runner.join(90)
    assert not runner.is_alive(), "the job hung after losing algo-2"
    print(f"job ended {time.monotonic() - killed:.1f} s after algo-2 was killed")
    record = result[0]
    assert record.status == "Failed"
    assert record.failure_reason == ("AlgorithmError: see the job's log (killed by SIGKILL), exit code: 137 "
                                     "(host algo-2)")
    codes = {h.name: h.exit_code for h in record.hosts}
    assert codes == {"algo-1": 143, "algo-2": 137}  # algo-1 stopped its Spark processes on SIGTERM
    assert record.exit_message is not None and "[algo-1] Stopped: received SIGTERM" in record.exit_message


@pytest.fixture
def shared_moto(container_moto: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The moto server the host and every container reach at one URL (tests/engines.py), with the launcher's
    (fake) credentials, which the containers get only from their hosts' credentials sidecars."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("NO_PROXY", "*")
    s3 = boto3.session.Session().client("s3", endpoint_url=container_moto, region_name="us-east-1")
    for bucket in s3.list_buckets()["Buckets"]:  # the server is the session's: start from an empty one
        for key in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])]:
            s3.delete_object(Bucket=bucket["Name"], Key=key)
        s3.delete_bucket(Bucket=bucket["Name"])
    return container_moto, s3


def test_s3a_and_s3_paths_work_against_the_endpoint_on_two_instances(spark_image: str, tmp_path: Path,
                                                                     shared_moto: Any) -> None:
    endpoint, s3 = shared_moto
    s3.create_bucket(Bucket="reviews")
    for file in sorted(REVIEWS.glob("*.tsv")):
        s3.upload_file(str(file), "reviews", f"raw/{file.name}")
    job = JobDefinition(
        image_uri=spark_image, job_name=job_name("s3a"), instance_count=2,
        arguments=("preprocess_reviews", "--input", "s3a://reviews/raw/", "--output", "s3://reviews/clean/"),
        env={"AWS_ENDPOINT_URL": endpoint},  # no keys: credentials come from each host's credentials sidecar
    )
    record = run_local(job, tmp_path / "jobs")
    # S3A's AWS SDK for Java 1.x has no other source of credentials here than the sidecar's FULL_URI on the
    # host's loopback: without them it raises before any request.
    assert record.status == "Completed", record.failure_reason
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="reviews", Prefix="clean/")["Contents"]]
    assert "clean/_SUCCESS" in keys
    local = tmp_path / "clean"
    local.mkdir()
    for key in keys:
        if key.endswith(".parquet"):
            s3.download_file("reviews", key, str(local / Path(key).name))
    columns, rows = read_reviews(local)
    assert columns == KEPT_COLUMNS and rows == expected_us_reviews()
