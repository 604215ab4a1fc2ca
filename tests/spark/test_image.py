"""The byoc/spark image: its conventions, its versions, its size, and no build secret in its layers."""

from __future__ import annotations

import re

import docker
import pytest

from launcher.check.layers import HOST_CA_BUNDLE, scan_image

pytestmark = pytest.mark.docker

MAX_IMAGE_BYTES = 1_500_000_000


def run(image: str, *command: str, entrypoint: str | None = None) -> tuple[int, str]:
    client = docker.from_env()
    container = client.containers.run(image, list(command), entrypoint=entrypoint, detach=True)
    try:
        code = int(container.wait(timeout=120)["StatusCode"])
        return code, container.logs(stdout=True, stderr=True).decode()
    finally:
        container.remove(force=True)


def test_docker_run_prints_the_usage_and_exits_0(spark_image: str) -> None:
    code, output = run(spark_image)
    assert code == 0
    assert output.startswith("usage: docker run IMAGE spark-app [OPTIONS] APP [APP_ARGS...]")
    assert "preprocess_reviews" in output


def test_smspark_submit_is_on_the_path_as_the_sdk_expects(spark_image: str) -> None:
    code, output = run(spark_image, "--help", entrypoint="smspark-submit")
    assert code == 0
    assert output.startswith("usage: smspark-submit [OPTIONS] APP [APP_ARGS...]")
    code, output = run(spark_image, "--conf", "a=b", "app.py", entrypoint="smspark-submit")
    assert code == 2
    assert "UsageError: smspark-submit: unknown option '--conf' before the app" in output


def test_hadoop_aws_sits_beside_the_hadoop_client_it_was_chosen_for(spark_image: str) -> None:
    code, output = run(spark_image, "-c", 'ls "$SPARK_HOME/jars"; java -version 2>&1; python3 -c '
                       '"import pyspark; print(\'pyspark\', pyspark.__version__)"', entrypoint="sh")
    assert code == 0, output
    jars = set(output.split())
    assert {"hadoop-client-api-3.3.4.jar", "hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar"} <= jars
    assert re.search(r'openjdk version "17\.', output)
    assert "pyspark 3.5.9" in output


def test_the_image_is_amd64_and_within_its_size_budget(spark_image: str) -> None:
    attrs = docker.from_env().images.get(spark_image).attrs
    assert attrs["Architecture"] == "amd64"
    assert attrs["Size"] <= MAX_IMAGE_BYTES, f"{attrs['Size'] / 1e9:.2f} GB"
    assert attrs["Config"]["Entrypoint"] == ["python3", "-m", "byoc_spark"]
    assert attrs["Config"]["Cmd"] == ["help"]


def test_the_ca_bundle_secret_is_in_no_layer(spark_image: str) -> None:
    # Both pip steps mount the secret; `byoc check`'s layer scan, as for the sklearn image.
    if not HOST_CA_BUNDLE.exists():
        pytest.fail(f"{HOST_CA_BUNDLE} is missing: make build passes it as the ca_bundle secret when present")
    assert scan_image(docker.from_env(), spark_image, HOST_CA_BUNDLE) == []
