"""Replay's policy, without AWS or Docker: a DescribeProcessingJob answer as the request it was created with,
and the order in which a local image is chosen (launcher/replay.py; tests/replay runs the real paths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from launcher.errors import EngineError
from launcher.replay import (
    Described,
    ImageChoice,
    ReplayImageError,
    choose_image,
    replay_definition,
    request_from_describe,
)

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/job:1"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
REQUEST: dict[str, Any] = {
    "ProcessingJobName": "job-1",
    "ProcessingResources": {"ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30}},
    "AppSpecification": {"ImageUri": IMAGE},
    "RoleArn": "arn:aws:iam::123456789012:role/R",
    "ProcessingInputs": [{"InputName": "in", "AppManaged": False, "S3Input": {
        "S3Uri": "s3://b/in/", "LocalPath": "/opt/ml/processing/input/in", "S3DataType": "S3Prefix",
        "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}}],
    "ProcessingOutputConfig": {"Outputs": [
        {"OutputName": "out", "AppManaged": False, "S3Output": {
            "S3Uri": "s3://b/out/", "LocalPath": "/opt/ml/processing/output/out", "S3UploadMode": "EndOfJob"}},
        {"OutputName": "fs", "AppManaged": True, "FeatureStoreOutput": {"FeatureGroupName": "fg"}}]},
}
DESCRIBED = {**REQUEST, "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:processing-job/job-1",
             "ProcessingJobStatus": "Failed", "FailureReason": "AlgorithmError: boom", "ExitMessage": "boom"}


def test_a_describe_answer_becomes_its_request() -> None:
    assert request_from_describe(DESCRIBED) == (REQUEST, [])


def test_the_instance_type_the_service_chose_is_the_one_replayed() -> None:
    cluster = {"InstancePreferences": [{"InstanceType": "ml.m5.large"}, {"InstanceType": "ml.c5.xlarge"}],
               "InstanceCount": 2, "VolumeSizeInGB": 30, "SelectedInstanceType": "ml.c5.xlarge",
               "SelectedInstanceCount": 2}
    request, notes = request_from_describe({**DESCRIBED, "ProcessingResources": {"ClusterConfig": cluster}})
    assert request["ProcessingResources"] == {"ClusterConfig": {"InstanceCount": 2, "VolumeSizeInGB": 30,
                                                                "InstanceType": "ml.c5.xlarge"}}
    assert notes == ["the job ran on ml.c5.xlarge, chosen from its InstancePreferences: the replay uses that"]


def pulls(image: str, digest: str) -> Any:
    def pull(uri: str) -> tuple[str, str | None]:
        return image, digest
    return pull


def cannot_pull(uri: str) -> tuple[str, str | None]:
    raise EngineError("no route to the registry")


def test_the_image_is_the_override_then_a_mapping_then_a_local_one_then_a_pulled_one_then_the_kits() -> None:
    everywhere = {"has_image": lambda uri: True, "puller": pulls("pulled", "sha256:1")}
    assert choose_image(IMAGE, override="mine:1", pull=True, **everywhere) == (
        ImageChoice(IMAGE, "mine:1", "given with --image-uri"), [])
    assert choose_image(IMAGE, override=None, pull=True, mappings={"team/job": "mine:2"}, **everywhere) == (
        ImageChoice(IMAGE, "mine:2", "--image-map team/job"), [])
    assert choose_image(IMAGE, override=None, pull=True, mappings={IMAGE: "exact:1", "team/job": "mine:2"},
                        **everywhere)[0].image == "exact:1"
    assert choose_image(IMAGE, override=None, pull=True, **everywhere)[0].how == "in the local Docker engine"
    assert choose_image(IMAGE, override=None, pull=True, has_image=lambda uri: False,
                        puller=pulls("reg/team/job@sha256:1", "sha256:1")) == (
        ImageChoice(IMAGE, "reg/team/job@sha256:1", "pulled, sha256:1"), [])
    assert choose_image(SKLEARN, override=None, pull=True, has_image=lambda uri: False, puller=cannot_pull) == (
        ImageChoice(SKLEARN, "byoc/sklearn:latest", "AWS's sagemaker-scikit-learn image, stood in for by the kit's"),
        [f"image {SKLEARN} could not be pulled (no route to the registry)"])


def test_an_image_nothing_can_stand_in_for_says_how_to_get_one() -> None:
    with pytest.raises(ReplayImageError) as raised:
        choose_image(IMAGE, override=None, pull=False, has_image=lambda uri: False, puller=cannot_pull)
    assert str(raised.value) == (
        f"image {IMAGE!r} is not in the local Docker engine and pulling was turned off (--no-pull); it is not one "
        "of AWS's processing images the kit stands in for either: pull or build it under that name (`docker pull`, "
        "`docker tag`), or pass --image-uri LOCAL_IMAGE")


def test_outputs_go_to_local_folders_and_the_local_job_is_named_after_the_real_one(tmp_path: Path) -> None:
    described = Described("job-1", DESCRIBED["ProcessingJobArn"], "Failed", "us-east-1", REQUEST)
    image = ImageChoice(IMAGE, "byoc/base:latest", "given with --image-uri")
    job, redirected = replay_definition(described, image, output_dir=tmp_path / "r")
    assert job.image_uri == "byoc/base:latest" and job.job_name is None and job.base_job_name == "job-1"
    assert [o.destination for o in job.outputs] == [str(tmp_path / "r" / "out"), None]
    assert redirected == (("out", "s3://b/out/", str(tmp_path / "r" / "out")),)
    kept, none = replay_definition(described, image, output_dir=None, job_name="again")
    assert kept.job_name == "again" and [o.destination for o in kept.outputs] == ["s3://b/out/", None] and not none
    long = Described("x" * 63, "arn", "Completed", "us-east-1", REQUEST)
    assert replay_definition(long, image, output_dir=None)[0].base_job_name == "x" * 39
