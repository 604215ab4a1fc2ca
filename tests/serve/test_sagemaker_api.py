"""The SageMaker operations of `byoc serve`, through real boto3 clients, on jobs run by the real engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.serve.conftest import BASE_IMAGE, Server, job_request, unique, wait_status

# PID 1 gets no default SIGTERM handler: the job exits on it itself, as a job should.
SLEEPER = ("import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: sys.exit(143)); "
           "print('up', flush=True); time.sleep(600)")
MISSING_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/never-built:7"


def error_of(call: Any, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return {**caught.value.response["Error"], "Status": caught.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def test_a_created_job_runs_and_describe_echoes_every_field_of_the_request(sagemaker: Any) -> None:
    name = unique("echo")
    request = job_request(
        name,
        AppSpecification={"ImageUri": BASE_IMAGE, "ContainerEntrypoint": ["python3", "-c"],
                          "ContainerArguments": ["import os; print(os.environ['MODE'])"]},
        Environment={"MODE": "full"},
        NetworkConfig={"EnableNetworkIsolation": False, "EnableInterContainerTrafficEncryption": True},
        ExperimentConfig={"ExperimentName": "exp"},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    arn = sagemaker.create_processing_job(**request)["ProcessingJobArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:000000000000:processing-job/{name}"
    first = sagemaker.describe_processing_job(ProcessingJobName=name)
    assert first["ProcessingJobStatus"] in ("InProgress", "Completed")
    done = wait_status(sagemaker, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    for member in ("AppSpecification", "Environment", "NetworkConfig", "ExperimentConfig", "RoleArn",
                   "ProcessingResources", "StoppingCondition"):
        assert done[member] == request[member], member
    assert "Tags" not in done
    assert done["ProcessingJobArn"] == arn
    assert done["CreationTime"] <= done["ProcessingStartTime"] <= done["ProcessingEndTime"]
    assert done["LastModifiedTime"] >= done["CreationTime"]


def test_a_duplicate_name_is_resource_in_use_and_an_unknown_one_resource_not_found(sagemaker: Any) -> None:
    name = unique("dup")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={"ImageUri": MISSING_IMAGE}))
    duplicate = error_of(sagemaker.create_processing_job, **job_request(name))
    assert (duplicate["Code"], duplicate["Status"]) == ("ResourceInUse", 400)
    assert name in duplicate["Message"]
    for call in (sagemaker.describe_processing_job, sagemaker.stop_processing_job):
        unknown = error_of(call, ProcessingJobName="no-such-job")
        assert (unknown["Code"], unknown["Status"]) == ("ResourceNotFound", 400)
        assert "no-such-job" in unknown["Message"]


def test_the_service_constraints_are_checked_naming_the_field(server: Server) -> None:
    raw = server.client("sagemaker", parameter_validation=False)  # what a client without botocore's checks sends
    bad = job_request("under_score", ProcessingResources={"ClusterConfig": {
        "InstanceCount": 101, "InstanceType": "ml.m5.huge", "VolumeSizeInGB": 5}})
    error = error_of(raw.create_processing_job, **bad)
    assert (error["Code"], error["Status"]) == ("ValidationException", 400)
    message = error["Message"]
    assert message.startswith("3 validation errors detected: ")
    assert "Value 'under_score' at 'processingJobName' failed to satisfy constraint: Member must satisfy " \
           "regular expression pattern" in message
    assert "Value '101' at 'processingResources.clusterConfig.instanceCount' failed to satisfy constraint: " \
           "Member must have value less than or equal to 100" in message
    assert "Value 'ml.m5.huge' at 'processingResources.clusterConfig.instanceType'" in message
    missing = error_of(raw.create_processing_job, ProcessingJobName="x", RoleArn="arn:aws:iam::000000000000:role/r")
    assert missing["Code"] == "ValidationException"
    assert 'Missing required parameter in input: "ProcessingResources"' in missing["Message"]
    assert 'Missing required parameter in input: "AppSpecification"' in missing["Message"]


def test_what_the_model_cannot_say_is_refused_by_the_job_definition_rules(sagemaker: Any) -> None:
    name = unique("badpath")
    request = job_request(name, ProcessingInputs=[{"InputName": "data", "S3Input": {
        "S3Uri": "s3://sagemaker-local/data/", "LocalPath": "/tmp/data", "S3DataType": "S3Prefix",
        "S3InputMode": "File"}}])
    error = error_of(sagemaker.create_processing_job, **request)
    assert error["Code"] == "ValidationException"
    assert "/opt/ml/processing/" in error["Message"]
    assert "/tmp/data" in error["Message"]
    assert error_of(sagemaker.describe_processing_job, ProcessingJobName=name)["Code"] == "ResourceNotFound"


def test_an_unknown_image_fails_the_created_job_naming_the_image_and_how_to_map_it(sagemaker: Any) -> None:
    name = unique("noimage")
    sagemaker.create_processing_job(**job_request(name, AppSpecification={"ImageUri": MISSING_IMAGE}))
    failed = wait_status(sagemaker, name, {"Failed", "Completed", "Stopped"})
    assert failed["ProcessingJobStatus"] == "Failed"
    reason = failed["FailureReason"]
    assert reason.startswith("ClientError: ")
    assert MISSING_IMAGE in reason
    assert "--image-map team/never-built=" in reason
    assert failed["AppSpecification"]["ImageUri"] == MISSING_IMAGE


def test_stop_from_another_client_goes_through_stopping_to_stopped(server: Server) -> None:
    starter, stopper = server.client("sagemaker"), server.client("sagemaker")
    name = unique("stop")
    starter.create_processing_job(**job_request(name, AppSpecification={
        "ImageUri": BASE_IMAGE, "ContainerEntrypoint": ["python3", "-c", SLEEPER]}))
    wait_status(starter, name, {"InProgress"})
    stopper.stop_processing_job(ProcessingJobName=name)
    statuses = {starter.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"]}
    final = wait_status(starter, name, {"Stopped", "Failed", "Completed"})
    assert statuses <= {"Stopping", "Stopped"}
    assert final["ProcessingJobStatus"] == "Stopped"
    again = error_of(stopper.stop_processing_job, ProcessingJobName=name)
    assert again["Code"] == "ValidationException"


def test_tags_are_added_listed_and_deleted(sagemaker: Any) -> None:
    name = unique("tags")
    arn = sagemaker.create_processing_job(**job_request(name, AppSpecification={"ImageUri": MISSING_IMAGE},
                                                        Tags=[{"Key": "a", "Value": "1"}]))["ProcessingJobArn"]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert sorted((t["Key"], t["Value"]) for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]) == [
        ("a", "3"), ("b", "2")]
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    unknown = error_of(sagemaker.list_tags, ResourceArn=arn.replace(name, "nothing-here"))
    assert unknown["Code"] == "ResourceNotFound"


def test_list_filters_sorts_and_pages(sagemaker: Any) -> None:
    prefix = unique("lst")
    before = datetime.now(UTC) - timedelta(seconds=1)
    names = [f"{prefix}-{i}" for i in range(5)]
    for name in names:
        sagemaker.create_processing_job(**job_request(name, AppSpecification={"ImageUri": MISSING_IMAGE}))
    for name in names:
        wait_status(sagemaker, name, {"Failed"})
    after = datetime.now(UTC) + timedelta(seconds=1)

    def listed(**params: Any) -> list[str]:
        found: list[str] = []
        for page in sagemaker.get_paginator("list_processing_jobs").paginate(
                NameContains=prefix.upper(), PaginationConfig={"PageSize": 2}, **params):
            assert len(page["ProcessingJobSummaries"]) <= 2
            found += [s["ProcessingJobName"] for s in page["ProcessingJobSummaries"]]
        return found

    assert listed() == names[::-1]  # newest first by default
    assert listed(SortBy="Name", SortOrder="Ascending") == names
    assert listed(StatusEquals="Failed", CreationTimeAfter=before, CreationTimeBefore=after) == names[::-1]
    assert listed(StatusEquals="Completed") == []
    assert listed(CreationTimeAfter=after) == []
    assert listed(LastModifiedTimeBefore=before) == []
    page = sagemaker.list_processing_jobs(NameContains=prefix, MaxResults=3, SortBy="Name")
    assert [s["ProcessingJobName"] for s in page["ProcessingJobSummaries"]] == names[::-1][:3]
    summary = page["ProcessingJobSummaries"][0]
    assert summary["ProcessingJobStatus"] == "Failed" and summary["FailureReason"].startswith("ClientError")
    rest = sagemaker.list_processing_jobs(NameContains=prefix, MaxResults=3, SortBy="Name",
                                          NextToken=page["NextToken"])
    assert [s["ProcessingJobName"] for s in rest["ProcessingJobSummaries"]] == names[::-1][3:]
    assert "NextToken" not in rest
    bad = error_of(sagemaker.list_processing_jobs, NextToken="not-a-token")
    assert bad["Code"] == "ValidationException"
