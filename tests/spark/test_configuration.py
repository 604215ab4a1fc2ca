"""configuration.json (EMR classifications, as PySparkProcessor stages it) and Spark's configuration folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from byoc_runtime import InputError, UsageError
from byoc_spark.configuration import load_configuration, parse_configuration
from byoc_spark.sparkconf import (
    check_fits,
    cluster_properties,
    event_log_properties,
    masked,
    properties_text,
    s3_properties,
    write_conf_dir,
)
from byoc_spark.waiting import Worker

EMR_STYLE = [
    {"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "2g", "spark.eventLog.enabled": True}},
    {"Classification": "core-site", "Properties": {"fs.s3a.connection.maximum": 200}},
    {"Classification": "spark-env", "Properties": {},
     "Configurations": [{"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/opt/venv/bin/python3"}}]},
    {"Classification": "spark-hive-site", "Properties": {"hive.metastore.uris": "thrift://h:9083"}},
    {"Classification": "spark-log4j", "Properties": {"rootLogger.level": "info"}},
    {"Classification": "yarn-site", "Properties": {"yarn.nodemanager.vmem-check-enabled": "false"}},
]


def test_classifications_become_properties_env_and_files(tmp_path: Path) -> None:
    config = parse_configuration(EMR_STYLE)
    assert config.spark_properties == {"spark.executor.memory": "2g", "spark.eventLog.enabled": "true",
                                       "spark.hadoop.fs.s3a.connection.maximum": "200"}
    assert config.spark_env == {"PYSPARK_PYTHON": "/opt/venv/bin/python3"}
    assert config.ignored == ("yarn-site",)
    write_conf_dir(tmp_path / "conf", {"spark.a": "b"}, config, {"SPARK_DAEMON_MEMORY": "512m", "X": 'say "$HOME"'})
    assert (tmp_path / "conf/spark-env.sh").read_text() == ('export SPARK_DAEMON_MEMORY="512m"\n'
                                                           'export X="say \\"$HOME\\""\n')
    assert "<name>hive.metastore.uris</name><value>thrift://h:9083</value>" in (
        tmp_path / "conf/hive-site.xml").read_text()
    assert "rootLogger.level=info\n" in (tmp_path / "conf/log4j2.properties").read_text()


def test_a_single_object_is_accepted_as_the_sdk_allows() -> None:
    config = parse_configuration({"Classification": "spark-defaults", "Properties": {"spark.a": "1"}})
    assert config.spark_properties == {"spark.a": "1"}


def test_no_file_means_no_configuration(tmp_path: Path) -> None:
    assert load_configuration(tmp_path / "configuration.json") == parse_configuration([])


@pytest.mark.parametrize(("data", "message"), [
    ([{"Properties": {}}], "[0].Classification: is missing or not a string"),
    ([{"Classification": "spark-default", "Properties": {}}], "[0].Classification: unknown classification "
                                                              "'spark-default'"),
    ([{"Classification": "spark-defaults", "Properties": []}], "[0].Properties: expected an object, got list"),
    ([{"Classification": "spark-defaults", "Properties": {"a": {"b": 1}}}], "[0].Properties.a: expected a string"),
    ([{"Classification": "spark-defaults", "Props": {}}], "[0]: unknown key 'Props'"),
    ([{"Classification": "export", "Properties": {}}], "[0].Classification: 'export' must be nested"),
    ([{"Classification": "spark-defaults", "Properties": {},
       "Configurations": [{"Classification": "export", "Properties": {}}]}],
     "[0].Configurations[0]: only an 'export' without Configurations may be nested"),
    ([{"Classification": "spark-env", "Properties": {},
       "Configurations": [{"Classification": "export", "Properties": {"NOT A NAME": "x"}}]}],
     "[0].Configurations[0].Properties.NOT A NAME: is not an environment variable name"),
    (["spark-defaults"], "[0]: expected an object with Classification, Properties, Configurations, got str"),
])
def test_bad_configuration_names_the_channel_file_and_key_path(data: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_configuration(data)
    assert str(caught.value).startswith("channel 'conf', file '/opt/ml/processing/input/conf/configuration.json': ")
    assert message in str(caught.value)


def test_a_file_that_is_not_json_is_an_input_error(tmp_path: Path) -> None:
    file = tmp_path / "configuration.json"
    file.write_text("[{")
    with pytest.raises(InputError, match="not valid UTF-8 JSON"):
        load_configuration(file)


def test_s3_goes_through_s3a_and_the_endpoint_only_when_one_is_set() -> None:
    default = s3_properties({})
    assert default["spark.hadoop.fs.s3.impl"] == "org.apache.hadoop.fs.s3a.S3AFileSystem"
    assert default["spark.hadoop.fs.s3a.aws.credentials.provider"] == (
        "com.amazonaws.auth.DefaultAWSCredentialsProviderChain")
    assert not any("endpoint" in key for key in default)
    local = s3_properties({"AWS_ENDPOINT_URL": "http://169.254.170.2:5000"})
    assert local["spark.hadoop.fs.s3a.endpoint"] == "http://169.254.170.2:5000"
    assert local["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert local["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    s3_only = s3_properties({"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_S3": "https://s3.example"})
    assert s3_only["spark.hadoop.fs.s3a.endpoint"] == "https://s3.example"


def test_event_logs_go_to_the_folder_or_to_s3a() -> None:
    assert event_log_properties("/opt/ml/processing/spark-events/", None) == {
        "spark.eventLog.enabled": "true", "spark.eventLog.dir": "file:///opt/ml/processing/spark-events/"}
    assert event_log_properties(None, "s3://b/events")["spark.eventLog.dir"] == "s3a://b/events"
    assert event_log_properties(None, None) == {}


def test_one_executor_per_worker_sized_by_the_smallest_worker(tmp_path: Path) -> None:
    workers = [Worker("algo-1", "ALIVE", 4, 10_000), Worker("algo-2", "ALIVE", 4, 14_000)]
    properties = cluster_properties(driver_host="algo-1", driver_memory_mb=2048, workers=workers, base_dir=tmp_path)
    assert properties["spark.executor.memory"] == "8000m"
    assert (properties["spark.executor.cores"], properties["spark.cores.max"]) == ("4", "8")
    assert properties["spark.scheduler.minRegisteredResourcesRatio"] == "1.0"
    check_fits(properties, workers)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("spark.executor.memory", "12g", "spark.executor.memory=12g is more than a worker offers (10000 MiB)"),
    ("spark.executor.cores", "8", "spark.executor.cores=8 is more than a worker offers (4)"),
])
def test_an_executor_no_worker_can_hold_is_refused(key: str, value: str, message: str) -> None:
    workers = [Worker("algo-1", "ALIVE", 4, 10_000), Worker("algo-2", "ALIVE", 8, 14_000)]
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_fits({key: value}, workers)


def test_properties_are_written_in_java_properties_syntax() -> None:
    text = properties_text({"spark.a": "C:\\x", "odd key=": " lead\nnext"})
    assert text == "spark.a=C:\\\\x\nodd\\ key\\==\\ lead\\nnext\n"


def test_secrets_are_masked_in_the_log() -> None:
    shown = masked({"spark.hadoop.fs.s3a.secret.key": "s", "spark.hadoop.fs.s3a.access.key": "a", "spark.x": "1"})
    assert shown == {"spark.hadoop.fs.s3a.secret.key": "****", "spark.hadoop.fs.s3a.access.key": "****",
                     "spark.x": "1"}


def test_the_sdk_payload_round_trips(tmp_path: Path) -> None:
    file = tmp_path / "configuration.json"
    file.write_text(json.dumps(EMR_STYLE))  # what _stage_configuration uploads: json.dumps(configuration)
    assert load_configuration(file) == parse_configuration(EMR_STYLE)
