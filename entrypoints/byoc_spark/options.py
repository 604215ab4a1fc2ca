"""The two command lines that submit an app: `smspark-submit` (the SDK's) and `spark-app` (ours).

    smspark-submit [--py-files P] [--jars J] [--files F] [--class C] [--local-spark-event-logs-dir D]
                   [--spark-event-logs-s3-uri U] [-v] APP [APP_ARGS...]
    spark-app      the same options, plus [--conf K=V]... [--name N], then APP [APP_ARGS...]

PySparkProcessor.run() sends the first as ContainerEntrypoint (`smspark-submit` + options + the code
path) and the app's arguments as ContainerArguments. Options stop at APP: everything after it reaches
the app verbatim, `--` and option-like words included (argparse's REMAINDER drops a `--`, so the
scanning is done here). --py-files, --jars and --files take a comma-separated list in which a local
folder stands for every file under it, as smspark-submit does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from byoc_runtime import UsageError

# Schemes spark-submit fetches by itself (s3/s3a through the s3a jars in this image).
REMOTE_SCHEMES = ("s3", "s3a", "http", "https", "hdfs")
# Set by the cluster; a user value would point the app away from it.
CLUSTER_OWNED = {
    "--master": "the image runs its own standalone master on the first host",
    "--deploy-mode": "the driver always runs on the first host (client mode)",
}


@dataclass(frozen=True, slots=True)
class Option:
    flag: str
    field: str
    help: str
    takes_value: bool = True
    repeatable: bool = False
    sdk: bool = True  # accepted by smspark-submit too, not only by spark-app


OPTIONS = (
    Option("--py-files", "py_files", "comma-separated .py/.zip/.egg files or folders, put on the PYTHONPATH"),
    Option("--jars", "jars", "comma-separated jars or folders, put on the driver and executor classpaths"),
    Option("--files", "files", "comma-separated files or folders, put in each executor's working folder"),
    Option("--class", "main_class", "the main class of a Java/Scala app (APP is then a jar)"),
    Option("--local-spark-event-logs-dir", "event_logs_dir", "write Spark's event log into this folder"),
    Option("--spark-event-logs-s3-uri", "event_logs_uri", "write Spark's event log to this s3:// prefix"),
    Option("--conf", "conf", "a Spark property K=V, over the image's and configuration.json's", repeatable=True,
           sdk=False),
    Option("--name", "name", "the application's name", sdk=False),
    Option("-v", "verbose", "spark-submit --verbose", takes_value=False),
    Option("--verbose", "verbose", "spark-submit --verbose", takes_value=False),
)


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """One app to spark-submit to the cluster, with its dependencies and properties."""

    app: str
    app_arguments: tuple[str, ...] = ()
    py_files: str | None = None
    jars: str | None = None
    files: str | None = None
    main_class: str | None = None
    event_logs_dir: str | None = None
    event_logs_uri: str | None = None
    conf: tuple[tuple[str, str], ...] = ()
    name: str | None = None
    verbose: bool = False

    def submit_arguments(self) -> list[str]:
        """spark-submit's options (dependency folders expanded) followed by APP and its arguments."""
        args: list[str] = []
        if self.name:
            args += ["--name", self.name]
        if self.main_class:
            args += ["--class", self.main_class]
        for flag, value in (("--py-files", self.py_files), ("--jars", self.jars), ("--files", self.files)):
            if value:
                args += [flag, ",".join(expand_dependencies(flag, value))]
        if self.verbose:
            args.append("--verbose")
        return [*args, self.app, *self.app_arguments]


def parse(command: str, argv: Sequence[str]) -> SubmitRequest | None:
    """`command` is "smspark-submit" or "spark-app"; None when --help was asked (usage is printed)."""
    allowed = [o for o in OPTIONS if o.sdk or command == "spark-app"]
    by_flag = {o.flag: o for o in allowed}
    values: dict[str, str] = {}
    conf: list[tuple[str, str]] = []
    verbose = False
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("-h", "--help"):
            print(usage(command))
            return None
        if not word.startswith("-") or word == "-":
            return SubmitRequest(
                app=word, app_arguments=tuple(argv[i + 1:]), py_files=values.get("py_files"),
                jars=values.get("jars"), files=values.get("files"), main_class=values.get("main_class"),
                event_logs_dir=values.get("event_logs_dir"), event_logs_uri=values.get("event_logs_uri"),
                conf=tuple(conf), name=values.get("name"), verbose=verbose,
            )
        flag, has_inline, inline = word.partition("=")
        if flag in CLUSTER_OWNED:
            raise UsageError(f"{command}: {flag} cannot be set: {CLUSTER_OWNED[flag]}")
        option = by_flag.get(flag)
        if option is None:
            known = ", ".join(sorted({o.flag for o in allowed}))
            raise UsageError(f"{command}: unknown option {flag!r} before the app (options: {known}); "
                             f"see `{command} --help`")
        if not option.takes_value:
            verbose = True
            i += 1
            continue
        if has_inline:
            value = inline
            i += 1
        elif i + 1 < len(argv):
            value = argv[i + 1]
            i += 2
        else:
            raise UsageError(f"{command}: option {flag} needs a value")
        if option.repeatable:
            conf.append(_property(command, value))
        elif option.field in values:
            raise UsageError(f"{command}: option {flag} is given twice")
        else:
            values[option.field] = value
    raise UsageError(f"{command}: no app given: the last ContainerArgument (or the one after the options) must be "
                     f"the .py or .jar file to run, e.g. /opt/ml/processing/input/code/app.py")


def usage(command: str) -> str:
    lines = [f"usage: {command} [OPTIONS] APP [APP_ARGS...]", ""]
    if command == "smspark-submit":
        lines += ["The SageMaker Python SDK's PySparkProcessor/SparkJarProcessor command, run on every host.", ""]
    else:
        lines += ["Runs APP (a .py or .jar file, or a bundled job's name) on a Spark cluster of every host.", ""]
    for option in OPTIONS:
        if option.sdk or command == "spark-app":
            flag = option.flag + (" VALUE" if option.takes_value else "")
            lines.append(f"  {flag:<36} {option.help}")
    lines += ["", "Spark properties also come from /opt/ml/processing/input/conf/configuration.json (EMR style)."]
    return "\n".join(lines)


def expand_dependencies(flag: str, value: str) -> list[str]:
    """Comma-separated paths or URIs; a local folder becomes every file below it, sorted."""
    found: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        scheme = urlsplit(item).scheme.lower()
        if scheme in REMOTE_SCHEMES:
            found.append(item)
            continue
        if scheme not in ("", "file"):
            raise UsageError(f"{flag}: {item!r} has the scheme {scheme!r}; use a local path, file://, s3:// or s3a://")
        path = Path(urlsplit(item).path if scheme == "file" else item)
        if not path.is_absolute():
            raise UsageError(f"{flag}: {item!r} must be an absolute path (e.g. under /opt/ml/processing/input/)")
        if path.is_dir():
            files = sorted(str(p) for p in path.rglob("*") if p.is_file())
            if not files:
                raise UsageError(f"{flag}: the folder {path} holds no files")
            found += files
        elif path.is_file():
            found.append(str(path))
        else:
            raise UsageError(f"{flag}: {path} does not exist (is the input channel that should hold it mounted?)")
    if not found:
        raise UsageError(f"{flag}: the list {value!r} names nothing")
    return found


def _property(command: str, value: str) -> tuple[str, str]:
    key, equals, setting = value.partition("=")
    if not equals or not key.strip():
        raise UsageError(f"{command}: --conf takes KEY=VALUE, got {value!r}")
    return key.strip(), setting
