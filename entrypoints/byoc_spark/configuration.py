"""configuration.json: the EMR-style application configuration PySparkProcessor stages for the job.

`PySparkProcessor.run(configuration=...)` uploads a list (or one object) of
`{"Classification": ..., "Properties": {...}, "Configurations": [...]}` and mounts it as the input
`conf` at /opt/ml/processing/input/conf/configuration.json. What each classification does here:

| classification               | applied as                                                        |
|------------------------------|-------------------------------------------------------------------|
| spark-defaults               | Spark properties (over the image's defaults)                      |
| spark-env + nested `export`  | environment variables of every Spark process (spark-env.sh)       |
| core-site                    | Hadoop properties, as `spark.hadoop.<key>`                        |
| hive-site, spark-hive-site   | hive-site.xml in Spark's configuration folder                     |
| spark-log4j                  | lines of log4j2.properties (Spark 3.5 uses log4j 2 syntax)        |
| spark-metrics                | metrics.properties                                                |
| hadoop-env, hadoop-log4j, hive-env, hive-log4j, hive-exec-log4j, yarn-env, yarn-site |
|                              | accepted and ignored with a warning: no YARN, HDFS or Hive daemons |

The classification names are the SDK's (`SparkConfigUtils._valid_configuration_classifications`).
A file that does not parse is an InputError naming channel `conf`, the file, and the key path.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from byoc_runtime import InputError

CONFIGURATION_FILE = PurePosixPath("/opt/ml/processing/input/conf/configuration.json")
CHANNEL = "conf"
APPLIED = ("spark-defaults", "spark-env", "core-site", "hive-site", "spark-hive-site", "spark-log4j", "spark-metrics")
IGNORED = ("hadoop-env", "hadoop-log4j", "hive-env", "hive-log4j", "hive-exec-log4j", "yarn-env", "yarn-site")
EXPORT_PARENTS = ("spark-env", "hadoop-env", "hive-env", "yarn-env")
KEYS = ("Classification", "Properties", "Configurations")


@dataclass(frozen=True, slots=True)
class UserConfiguration:
    spark_properties: dict[str, str] = field(default_factory=dict)
    spark_env: dict[str, str] = field(default_factory=dict)
    hive_site: dict[str, str] = field(default_factory=dict)
    log4j: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()


def load_configuration(file: Path) -> UserConfiguration:
    """The file's settings; an empty configuration when the job has no `conf` input."""
    if not file.exists():
        return UserConfiguration()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid UTF-8 JSON: {exc}", channel=CHANNEL, file=str(CONFIGURATION_FILE)) from exc
    return parse_configuration(data)


def parse_configuration(data: Any) -> UserConfiguration:
    items = data if isinstance(data, list) else [data]
    result = UserConfiguration()  # filled in place: its dicts are the accumulators
    ignored: list[str] = []
    for i, item in enumerate(items):
        path = f"[{i}]" if isinstance(data, list) else "(top level)"
        classification, properties, children = _entry(item, path)
        if classification == "export":
            raise _fail(f"{path}.Classification", "'export' must be nested in the Configurations of spark-env")
        if classification in IGNORED:
            ignored.append(classification)
        elif classification == "spark-defaults":
            result.spark_properties.update(properties)
        elif classification == "core-site":
            result.spark_properties.update({f"spark.hadoop.{k}": v for k, v in properties.items()})
        elif classification in ("hive-site", "spark-hive-site"):
            result.hive_site.update(properties)
        elif classification == "spark-log4j":
            result.log4j.update(properties)
        elif classification == "spark-metrics":
            result.metrics.update(properties)
        elif classification == "spark-env":
            result.spark_env.update(properties)
        else:
            known = ", ".join(APPLIED + IGNORED)
            raise _fail(f"{path}.Classification", f"unknown classification {classification!r} (known: {known})")
        for j, child in enumerate(children):
            child_path = f"{path}.Configurations[{j}]"
            name, child_properties, grandchildren = _entry(child, child_path)
            if name != "export" or classification not in EXPORT_PARENTS or grandchildren:
                raise _fail(child_path, f"only an 'export' without Configurations may be nested in one of "
                                        f"{', '.join(EXPORT_PARENTS)}; found {name!r} in {classification!r}")
            if classification == "spark-env":
                for key in child_properties:
                    if not key.isidentifier():
                        raise _fail(f"{child_path}.Properties.{key}", "is not an environment variable name")
                result.spark_env.update(child_properties)
    return dataclasses.replace(result, ignored=tuple(dict.fromkeys(ignored)))


def _entry(item: Any, path: str) -> tuple[str, dict[str, str], list[Any]]:
    if not isinstance(item, dict):
        raise _fail(path, f"expected an object with {', '.join(KEYS)}, got {type(item).__name__}")
    unknown = sorted(set(item) - set(KEYS))
    if unknown:
        raise _fail(path, f"unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})")
    classification = item.get("Classification")
    if not isinstance(classification, str) or not classification:
        raise _fail(f"{path}.Classification", "is missing or not a string")
    raw = item.get("Properties", {})
    if not isinstance(raw, dict):
        raise _fail(f"{path}.Properties", f"expected an object, got {type(raw).__name__}")
    properties: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            properties[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            properties[key] = str(value)
        else:
            raise _fail(f"{path}.Properties.{key}", f"expected a string, got {type(value).__name__}")
    children = item.get("Configurations") or []
    if not isinstance(children, list):
        raise _fail(f"{path}.Configurations", f"expected a list, got {type(children).__name__}")
    return classification, properties, children


def _fail(key_path: str, problem: str) -> InputError:
    return InputError(f"{key_path}: {problem}", channel=CHANNEL, file=str(CONFIGURATION_FILE))
