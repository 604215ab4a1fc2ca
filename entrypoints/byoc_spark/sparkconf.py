"""Spark's configuration folder (SPARK_CONF_DIR) for this run, and the properties that go into it.

Properties, later ones winning: the cluster's (sizes, driver host, the scheduler waits for every
executor), S3, the event log, then configuration.json's, then spark-app's `--conf K=V`.

S3: `s3://` and `s3a://` both go through Hadoop's S3AFileSystem, with credentials from the AWS SDK's
default chain (environment, then the container-credentials endpoint SageMaker provides, then the
instance profile). Only when AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL is set (a moto server, MinIO,
a VPC endpoint) is the endpoint changed, with path-style access.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from byoc_runtime import UsageError
from byoc_spark.configuration import UserConfiguration
from byoc_spark.resources import executor_memory_mb, parse_memory_mb
from byoc_spark.waiting import Worker

SECRET_KEY = re.compile(r"secret|password|token|credential|access\.key|sas", re.IGNORECASE)


def _without_term_line(key: str, logger: str) -> dict[str, str]:
    """log4j2 properties for `logger` at info, less its `RECEIVED SIGNAL TERM` (a RegexFilter matches whole)."""
    return {
        f"logger.{key}.name": logger,
        f"logger.{key}.level": "info",
        f"logger.{key}.filter.term.type": "RegexFilter",
        f"logger.{key}.filter.term.regex": "RECEIVED SIGNAL TERM",
        f"logger.{key}.filter.term.onMatch": "DENY",
        f"logger.{key}.filter.term.onMismatch": "NEUTRAL",
    }


LOG4J_DEFAULTS = {
    "rootLogger.level": "warn",
    "rootLogger.appenderRef.console.ref": "console",
    "appender.console.type": "Console",
    "appender.console.name": "console",
    "appender.console.target": "SYSTEM_ERR",
    "appender.console.layout.type": "PatternLayout",
    "appender.console.layout.pattern": "%d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex",
    # Registration of workers and executors, and the app's start: what a cluster log is read for.
    "logger.deploy.name": "org.apache.spark.deploy",
    "logger.deploy.level": "info",
    "logger.context.name": "org.apache.spark.SparkContext",
    "logger.context.level": "info",
    "logger.native.name": "org.apache.hadoop.util.NativeCodeLoader",
    "logger.native.level": "error",
    "logger.metrics2.name": "org.apache.hadoop.metrics2",
    "logger.metrics2.level": "error",
    # The kit stops its own master and workers with SIGTERM once the app is over, and says so in its own
    # log line; Spark logs each such signal as an ERROR. Only that exact line of those two daemons is dropped.
    **_without_term_line("master", "org.apache.spark.deploy.master.Master"),
    **_without_term_line("worker", "org.apache.spark.deploy.worker.Worker"),
}


def s3_properties(environ: Mapping[str, str]) -> dict[str, str]:
    properties = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
    }
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        properties.update({
            "spark.hadoop.fs.s3a.endpoint": endpoint,
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": "true" if endpoint.startswith("https:") else "false",
        })
    return properties


def event_log_properties(local_dir: str | None, uri: str | None) -> dict[str, str]:
    target = uri.replace("s3://", "s3a://", 1) if uri else (f"file://{local_dir}" if local_dir else None)
    return {"spark.eventLog.enabled": "true", "spark.eventLog.dir": target} if target else {}


def cluster_properties(*, driver_host: str, driver_memory_mb: int, workers: list[Worker],
                       base_dir: Path) -> dict[str, str]:
    """One executor per worker with all its cores; the driver waits until every one has registered."""
    cores = sum(w.cores for w in workers)
    return {
        "spark.submit.deployMode": "client",
        "spark.driver.host": driver_host,
        "spark.driver.memory": f"{driver_memory_mb}m",
        "spark.executor.cores": str(min(w.cores for w in workers)),
        "spark.executor.memory": f"{executor_memory(workers)}m",
        "spark.cores.max": str(cores),
        "spark.default.parallelism": str(2 * cores),
        "spark.scheduler.minRegisteredResourcesRatio": "1.0",
        "spark.scheduler.maxRegisteredResourcesWaitingTime": "120s",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": f"file://{base_dir / 'warehouse'}",
        # Each host keeps the part files its own executors wrote (task commit moves them into place),
        # and every host's output folder is uploaded to one S3 prefix, as SageMaker does.
        "spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version": "2",
    }


def executor_memory(workers: list[Worker]) -> int:
    return executor_memory_mb(min(w.memory_mb for w in workers))


def check_fits(properties: Mapping[str, str], workers: list[Worker]) -> None:
    """An executor larger than every worker never starts and the app waits forever: refuse it now."""
    smallest_memory = min(w.memory_mb for w in workers)
    smallest_cores = min(w.cores for w in workers)
    memory = parse_memory_mb(properties.get("spark.executor.memory", "1g"))
    if memory is not None and memory > smallest_memory:
        raise UsageError(f"spark.executor.memory={properties['spark.executor.memory']} is more than a worker offers "
                         f"({smallest_memory} MiB): no executor could start; leave it unset or lower it")
    cores = properties.get("spark.executor.cores", "1")
    if cores.isdigit() and int(cores) > smallest_cores:
        raise UsageError(f"spark.executor.cores={cores} is more than a worker offers ({smallest_cores}): no "
                         f"executor could start; leave it unset or lower it")


def spark_env(base_dir: Path, user_env: Mapping[str, str]) -> dict[str, str]:
    return {
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_LOCAL_DIRS": str(base_dir / "local"),
        "SPARK_WORKER_DIR": str(base_dir / "work"),
        **user_env,
    }


def write_conf_dir(folder: Path, properties: Mapping[str, str], configuration: UserConfiguration,
                   env: Mapping[str, str]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "spark-defaults.conf").write_text(properties_text(properties), encoding="utf-8")
    (folder / "spark-env.sh").write_text(
        "".join(f'export {k}="{_shell_escape(v)}"\n' for k, v in env.items()), encoding="utf-8")
    (folder / "log4j2.properties").write_text(properties_text({**LOG4J_DEFAULTS, **configuration.log4j}),
                                              encoding="utf-8")
    if configuration.metrics:
        (folder / "metrics.properties").write_text(properties_text(configuration.metrics), encoding="utf-8")
    if configuration.hive_site:
        (folder / "hive-site.xml").write_text(hadoop_xml(configuration.hive_site), encoding="utf-8")


def properties_text(properties: Mapping[str, str]) -> str:
    """java.util.Properties syntax, which is how Spark reads spark-defaults.conf."""
    return "".join(f"{_escape_key(k)}={_escape_value(v)}\n" for k, v in properties.items())


def hadoop_xml(properties: Mapping[str, str]) -> str:
    body = "".join(f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>\n"
                   for k, v in properties.items())
    return f'<?xml version="1.0"?>\n<configuration>\n{body}</configuration>\n'


def masked(properties: Mapping[str, str]) -> dict[str, str]:
    """For the log: values of keys that look like secrets are hidden."""
    return {k: "****" if SECRET_KEY.search(k) else v for k, v in properties.items()}


def _escape_value(value: str) -> str:
    text = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return "\\" + text if text.startswith((" ", "\f")) else text


def _escape_key(key: str) -> str:
    return re.sub(r"([=: #!])", r"\\\1", key.replace("\\", "\\\\"))


def _shell_escape(value: str) -> str:
    """Inside double quotes; `$VAR` still expands, as in EMR's spark-env export."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
