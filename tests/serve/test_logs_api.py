"""CloudWatch Logs of `byoc serve`: streams named as on SageMaker, tokens as boto3 and the SDKs follow them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.serve.conftest import BASE_IMAGE, LOG_GROUP, job_request, unique, wait_status

PRINTER = ("import json; h = json.load(open('/opt/ml/config/resourceconfig.json'))['current_host']; "
           "[print(f'{h} line {i}') for i in range(25)]")


@pytest.fixture(scope="module")
def printed(server: Any) -> tuple[str, Any]:
    """A finished 2-host job whose hosts each printed 25 lines."""
    client = server.client("sagemaker")
    name = unique("logs")
    request = job_request(name, AppSpecification={"ImageUri": BASE_IMAGE,
                                                  "ContainerEntrypoint": ["python3", "-c", PRINTER]})
    request["ProcessingResources"]["ClusterConfig"]["InstanceCount"] = 2
    client.create_processing_job(**request)
    done = wait_status(client, name, {"Completed", "Failed", "Stopped"})
    assert done["ProcessingJobStatus"] == "Completed", done.get("FailureReason")
    return name, done


def test_streams_are_named_job_slash_host_dash_epoch(logs: Any, printed: tuple[str, Any]) -> None:
    name, done = printed
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/",
                                        orderBy="LogStreamName", limit=2)
    assert "nextToken" not in streams  # SDK v2 loops for as long as one is given
    names = [s["logStreamName"] for s in streams["logStreams"]]
    epoch = int(done["ProcessingStartTime"].timestamp())
    assert names == [f"{name}/algo-1-{epoch}", f"{name}/algo-2-{epoch}"]
    assert all(re.fullmatch(r"[^/]+/algo-\d+-\d+", n) for n in names)
    first = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/", limit=1)
    assert len(first["logStreams"]) == 1 and "nextToken" in first
    second = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/", limit=1,
                                       nextToken=first["nextToken"])
    assert [s["logStreamName"] for s in second["logStreams"]] == names[1:]


def test_get_log_events_pages_forward_and_backward(logs: Any, printed: tuple[str, Any]) -> None:
    name, done = printed
    stream = f"{name}/algo-2-{int(done['ProcessingStartTime'].timestamp())}"
    messages, token, seen = [], None, []
    while True:
        page = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True, limit=10,
                                   **({"nextToken": token} if token else {}))
        seen.append(len(page["events"]))
        messages += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert messages == [f"algo-2 line {i}" for i in range(25)]
    assert seen == [10, 10, 5, 0]
    latest = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, limit=10)  # from the tail
    assert [e["message"] for e in latest["events"]] == [f"algo-2 line {i}" for i in range(15, 25)]
    earlier = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, limit=10,
                                  nextToken=latest["nextBackwardToken"])
    assert [e["message"] for e in earlier["events"]] == [f"algo-2 line {i}" for i in range(5, 15)]


def test_the_sdk_follower_reads_every_host_in_order(logs: Any, printed: tuple[str, Any]) -> None:
    """The SDK's own multi-stream reader, the one `Processor.run(logs=True)` prints with: sagemaker-core's, as
    installed with the kit (SDK 2.x's `sagemaker.logs.multi_stream_iter` is the same code; test_clients.py
    runs it through `Processor.run(logs=True)` in that SDK's own venv)."""
    from sagemaker.core.logs import multi_stream_iter

    name, done = printed
    epoch = int(done["ProcessingStartTime"].timestamp())
    streams = [f"{name}/algo-1-{epoch}", f"{name}/algo-2-{epoch}"]
    lines = [(index, event["message"]) for index, event in multi_stream_iter(logs, LOG_GROUP, streams)]
    for host in (1, 2):
        assert [m for i, m in lines if i == host - 1] == [f"algo-{host} line {i}" for i in range(25)]


def test_filter_log_events_matches_terms_across_streams(logs: Any, printed: tuple[str, Any]) -> None:
    name, _ = printed
    found = logs.filter_log_events(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/", filterPattern='"line 2"')
    assert sorted(e["message"] for e in found["events"]) == sorted(
        f"algo-{h} line {i}" for h in (1, 2) for i in (2, *range(20, 25)))
    assert len(found["searchedLogStreams"]) == 2


def test_unknown_group_and_stream_are_resource_not_found(logs: Any, printed: tuple[str, Any]) -> None:
    name, _ = printed
    for params in ({"logGroupName": "/aws/sagemaker/TrainingJobs", "logStreamName": f"{name}/algo-1-1"},
                   {"logGroupName": LOG_GROUP, "logStreamName": f"{name}/algo-9-1"}):
        with pytest.raises(ClientError) as caught:
            logs.get_log_events(**params)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
