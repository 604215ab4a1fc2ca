from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from launcher.definition import (
    CODE_CONTAINER_PATH,
    JobDefinition,
    ProcessingInput,
    ProcessingOutput,
    base_name_from_image,
    code_script_path,
    resolve_job_name,
    sagemaker_timestamp,
    uri_scheme,
    with_overrides,
)

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest"
RAW = ProcessingInput("s3://bkt/raw/", "/opt/ml/processing/input/raw", "raw")
MOMENT = datetime(2026, 3, 4, 5, 6, 7, 89_999, tzinfo=UTC)


def test_defaults_are_the_sdks() -> None:
    job = JobDefinition(IMAGE)
    assert (job.instance_count, job.instance_type, job.volume_size_in_gb) == (1, "ml.m5.xlarge", 30)
    assert (job.entrypoint, job.arguments, job.max_runtime_in_seconds, job.role) == (None, None, None, None)
    assert (dict(job.env), job.inputs, job.outputs) == ({}, (), ())
    assert ProcessingInput(
        source="s3://bkt/raw/",
        destination="/opt/ml/processing/input/raw",
        input_name="raw",
        s3_data_type="S3Prefix",
        s3_input_mode="File",
        s3_data_distribution_type="FullyReplicated",
        s3_compression_type="None",
    ) == RAW
    assert ProcessingOutput("/opt/ml/processing/output", "s3://b/o/", "o").s3_upload_mode == "EndOfJob"


def test_a_definition_cannot_change_after_it_is_built() -> None:
    env = {"MODE": "full"}
    job = JobDefinition(IMAGE, env=env, entrypoint=["python3"], inputs=[RAW])  # type: ignore[arg-type]
    env["MODE"] = "changed"
    assert job.env == {"MODE": "full"}
    assert job.entrypoint == ("python3",)
    assert job.inputs == (RAW,)
    with pytest.raises(TypeError):
        job.env["MODE"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.instance_count = 2  # type: ignore[misc]
    assert job == JobDefinition(IMAGE, env={"MODE": "full"}, entrypoint=("python3",), inputs=(RAW,))
    assert len({job, dataclasses.replace(job)}) == 1


def test_normalized_turns_code_into_an_input_and_the_entrypoint() -> None:
    job = JobDefinition(IMAGE, inputs=(RAW,), code="s3://bkt/src/preprocess.py", command=("python3", "-u"))
    assert job.normalized() == JobDefinition(
        IMAGE,
        inputs=(RAW, ProcessingInput("s3://bkt/src/preprocess.py", CODE_CONTAINER_PATH, "code")),
        entrypoint=("python3", "-u", "/opt/ml/processing/input/code/preprocess.py"),
    )


def test_normalized_without_code_is_the_definition_itself() -> None:
    job = JobDefinition(IMAGE, entrypoint=("python3", "/app/run.py"))
    assert job.normalized() is job


@pytest.mark.parametrize(
    ("code", "script"),
    [
        ("/home/me/jobs/run.py", "/opt/ml/processing/input/code/run.py"),
        ("file:///home/me/run.py", "/opt/ml/processing/input/code/run.py"),
        ("s3://bkt/code/run.py", "/opt/ml/processing/input/code/run.py"),
        ("src/", "/opt/ml/processing/input/code/"),
    ],
)
def test_code_script_path(code: str, script: str) -> None:
    assert code_script_path(code) == script


@pytest.mark.parametrize(
    ("location", "scheme"),
    [
        ("s3://b/k", "s3"),
        ("S3://b/k", "s3"),
        ("s3:/b/k", "s3"),
        ("file:///x", "file"),
        ("gs://b/k", "gs"),
        ("data/x", ""),
        ("data:2024/x", ""),
        ("", ""),
    ],
)
def test_uri_scheme(location: str, scheme: str) -> None:
    assert uri_scheme(location) == scheme


@pytest.mark.parametrize(
    ("image", "base"),
    [
        # The SDK's own cases (sagemaker.utils.base_name_from_image) ...
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/proc:latest", "proc"),
        ("proc", "proc"),
        ("localhost:5000/team/proc:1.0", "proc"),
        # ... and ours: names the job-name pattern accepts.
        ("my_repo/feature.eng:1", "feature-eng"),
        ("repo/proc@sha256:" + "a" * 64, "proc"),
        ("repo/" + "x" * 60, "x" * 39),
        ("repo/___:1", "processing-job"),
    ],
)
def test_base_name_from_image(image: str, base: str) -> None:
    assert base_name_from_image(image) == base


def test_timestamp_is_the_sdks_format_in_utc() -> None:
    assert sagemaker_timestamp(MOMENT) == "2026-03-04-05-06-07-089"
    assert sagemaker_timestamp(MOMENT.astimezone(timezone(timedelta(hours=2)))) == "2026-03-04-05-06-07-089"


def test_job_name_resolution() -> None:
    assert resolve_job_name(JobDefinition(IMAGE, job_name="x", base_job_name="y"), now=MOMENT) == "x"
    assert resolve_job_name(JobDefinition(IMAGE, base_job_name="nightly"), now=MOMENT) == (
        "nightly-2026-03-04-05-06-07-089"
    )
    assert resolve_job_name(JobDefinition(IMAGE), now=MOMENT) == "proc-2026-03-04-05-06-07-089"
    generated = resolve_job_name(JobDefinition(IMAGE))
    assert re.fullmatch(r"proc-\d{4}(-\d{2}){5}-\d{3}", generated)


def test_longest_generated_name_fits_the_service_limit() -> None:
    name = resolve_job_name(JobDefinition("repo/" + "x" * 100), now=MOMENT)
    assert len(name) == 63
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name)


def test_with_overrides_replaces_only_what_is_given() -> None:
    job = JobDefinition(IMAGE, instance_count=1, env={"A": "1"})
    changed = with_overrides(job, instance_count=3, env={"B": "2"})
    assert changed == JobDefinition(IMAGE, instance_count=3, env={"B": "2"})
    assert job.instance_count == 1
    assert with_overrides(job) == job


def test_with_overrides_refuses_unknown_fields() -> None:
    with pytest.raises(TypeError, match="not JobDefinition fields: instance_counts"):
        with_overrides(JobDefinition(IMAGE), instance_counts=2)
