"""The two submit command lines: smspark-submit as the SDK sends it, and spark-app."""

from __future__ import annotations

from pathlib import Path

import pytest

from byoc_runtime import UsageError
from byoc_spark.options import SubmitRequest, expand_dependencies, parse


def test_smspark_submit_takes_what_pyspark_processor_sends() -> None:
    # PySparkProcessor: command + [code path] as ContainerEntrypoint, run(arguments=...) as ContainerArguments.
    argv = ["--py-files", "s3://b/dep.py,/opt/ml/processing/input/py-files", "--jars", "s3://b/x.jar",
            "--files", "s3://b/f.txt", "--local-spark-event-logs-dir", "/opt/ml/processing/spark-events/",
            "/opt/ml/processing/input/code/app.py", "--input", "s3://b/in", "-v", "--", "x"]
    request = parse("smspark-submit", argv)
    assert request == SubmitRequest(
        app="/opt/ml/processing/input/code/app.py", app_arguments=("--input", "s3://b/in", "-v", "--", "x"),
        py_files="s3://b/dep.py,/opt/ml/processing/input/py-files", jars="s3://b/x.jar", files="s3://b/f.txt",
        event_logs_dir="/opt/ml/processing/spark-events/")


def test_spark_app_takes_conf_name_and_inline_values() -> None:
    request = parse("spark-app", ["--conf", "spark.a=1", "--conf=spark.b=x=y", "--name=demo", "--verbose",
                                  "--class", "org.Main", "app.jar"])
    assert request is not None
    assert request.conf == (("spark.a", "1"), ("spark.b", "x=y"))
    assert (request.name, request.main_class, request.verbose, request.app) == ("demo", "org.Main", True, "app.jar")
    assert request.submit_arguments() == ["--name", "demo", "--class", "org.Main", "--verbose", "app.jar"]


@pytest.mark.parametrize(("command", "argv", "message"), [
    ("smspark-submit", ["--conf", "a=b", "app.py"], "unknown option '--conf' before the app"),
    ("spark-app", ["--master", "local[*]", "app.py"], "--master cannot be set: the image runs its own standalone"),
    ("spark-app", ["--deploy-mode", "cluster", "app.py"], "--deploy-mode cannot be set"),
    ("spark-app", ["--conf", "novalue", "app.py"], "--conf takes KEY=VALUE, got 'novalue'"),
    ("spark-app", ["--jars"], "option --jars needs a value"),
    ("spark-app", ["--jars", "a.jar", "--jars", "b.jar", "app.py"], "option --jars is given twice"),
    ("smspark-submit", ["--py-files", "s3://b/x.py"], "no app given"),
])
def test_bad_command_lines_are_usage_errors(command: str, argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match="^" + command) as caught:
        parse(command, argv)
    assert message in str(caught.value)


def test_help_prints_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse("smspark-submit", ["--help"]) is None
    out = capsys.readouterr().out
    assert out.startswith("usage: smspark-submit [OPTIONS] APP [APP_ARGS...]")
    assert "--py-files" in out and "--conf" not in out  # --conf is spark-app's only


def test_a_dependency_folder_stands_for_every_file_below_it(tmp_path: Path) -> None:
    (tmp_path / "deps" / "pkg").mkdir(parents=True)
    (tmp_path / "deps" / "b.py").write_text("")
    (tmp_path / "deps" / "pkg" / "a.zip").write_text("")
    found = expand_dependencies("--py-files", f"s3a://b/x.py,{tmp_path / 'deps'},file://{tmp_path / 'deps/b.py'}")
    assert found == ["s3a://b/x.py", str(tmp_path / "deps/b.py"), str(tmp_path / "deps/pkg/a.zip"),
                     str(tmp_path / "deps/b.py")]


@pytest.mark.parametrize(("value", "message"), [
    ("relative/x.py", "'relative/x.py' must be an absolute path"),
    ("/nowhere/x.py", "/nowhere/x.py does not exist (is the input channel that should hold it mounted?)"),
    ("gs://b/x.py", "has the scheme 'gs'"),
    (",", "names nothing"),
])
def test_bad_dependencies_name_the_option_and_the_path(value: str, message: str) -> None:
    with pytest.raises(UsageError, match=r"^--jars: ") as caught:
        expand_dependencies("--jars", value)
    assert message in str(caught.value)


def test_an_empty_dependency_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=f"--files: the folder {tmp_path} holds no files"):
        expand_dependencies("--files", str(tmp_path))
