"""Image mapping: a registry URI the client names -> the local image that runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.errors import UsageError
from launcher.images import ImageResolver, load_images_file, parse_mapping, repository_of
from tests.serve.conftest import Server, job_request, unique, wait_status

SKLEARN_URI = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
SPARK_URI = "759080221371.dkr.ecr.ap-southeast-2.amazonaws.com/sagemaker-spark-processing:3.5-cpu-py39-v1.0"


def resolver(local: set[str], mappings: dict[str, str] | None = None) -> tuple[ImageResolver, list[str]]:
    said: list[str] = []
    return ImageResolver(mappings or {}, local.__contains__, said.append), said


def test_repository_of_strips_registry_tag_and_digest() -> None:
    assert repository_of(SKLEARN_URI) == "sagemaker-scikit-learn"
    assert repository_of("localhost:5000/team/app@sha256:" + "0" * 64) == "team/app"
    assert repository_of("team/app:1") == "team/app"
    assert repository_of("byoc/sklearn") == "byoc/sklearn"


def test_aws_processing_images_of_any_region_account_and_version_map_to_the_kits_and_are_said_once() -> None:
    images, said = resolver(set())
    assert images.resolve(SKLEARN_URI).image == "byoc/sklearn:latest"
    assert images.resolve(SKLEARN_URI).image == "byoc/sklearn:latest"
    assert images.resolve(SPARK_URI).image == "byoc/spark:latest"
    assert said == [f"image {SKLEARN_URI} runs as byoc/sklearn:latest (AWS's sagemaker-scikit-learn image)",
                    f"image {SPARK_URI} runs as byoc/spark:latest (AWS's sagemaker-spark-processing image)"]


def test_a_local_image_runs_as_is_and_a_user_mapping_wins() -> None:
    images, _ = resolver({SKLEARN_URI, "mine:1"}, {"team/app": "mine:1"})
    assert images.resolve(SKLEARN_URI).image == SKLEARN_URI
    assert images.resolve(SKLEARN_URI).rule is None
    mapped = images.resolve("1.dkr.ecr.eu-west-1.amazonaws.com/team/app:9")
    assert (mapped.image, mapped.rule) == ("mine:1", "--image-map team/app")
    unknown = images.resolve("1.dkr.ecr.eu-west-1.amazonaws.com/other:2")
    assert not unknown.known and "--image-map other=" in unknown.failure_hint()


def test_mappings_from_the_command_line_and_the_images_file(tmp_path: Path) -> None:
    assert parse_mapping("team/app=mine:1") == ("team/app", "mine:1")
    with pytest.raises(UsageError, match="URI_OR_REPOSITORY=LOCAL_IMAGE"):
        parse_mapping("team/app")
    file = tmp_path / "images.yaml"
    file.write_text("team/app: mine:1\n")
    assert load_images_file(file) == {"team/app": "mine:1"}
    file.write_text("- a\n")
    with pytest.raises(UsageError, match=str(file)):
        load_images_file(file)


def test_a_job_naming_awss_sklearn_image_runs_on_the_kits(server: Server) -> None:
    sagemaker = server.client("sagemaker")
    name = unique("awsimg")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": SKLEARN_URI, "ContainerEntrypoint": ["python3", "-c", "import sklearn"]}))
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    assert done["AppSpecification"]["ImageUri"] == SKLEARN_URI
    assert server.log.read_text().count(f"image {SKLEARN_URI} runs as byoc/sklearn:latest") == 1
