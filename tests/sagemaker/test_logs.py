"""CloudWatch logs of every host, followed while the job runs, as seeded in moto."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from launcher.definition import JobDefinition
from launcher.sagemaker_backend.logs import CloudWatchLogs, host_of
from tests.sagemaker.conftest import IMAGE, ROLE, Wire, admin_client, moto_job, seed_logs

NOW = int(time.time() * 1000) - 60_000  # CloudWatch refuses events from the future


def test_host_of_a_stream() -> None:
    assert host_of("job/algo-2-1700000000", "job") == "algo-2"
    assert host_of("job/algo-12", "job") == "algo-12"
    assert host_of("job/something-else", "job") == "something-else"


def test_each_poll_returns_only_what_is_new_in_time_order(aws: str, logs_admin: Any) -> None:
    follower = CloudWatchLogs(admin_client("logs", aws), "job-a")
    assert follower.poll() == []  # no log group yet: not an error
    seed_logs(logs_admin, "job-a", {"algo-1": ["a1", "a2"], "algo-2": ["b1"]}, start_ms=NOW)
    assert [(e.host, e.message) for e in follower.poll()] == [("algo-1", "a1"), ("algo-2", "b1"), ("algo-1", "a2")]
    assert follower.poll() == []
    seed_logs(logs_admin, "job-a", {"algo-2": ["b2"], "algo-3": ["c1"]}, start_ms=NOW + 1000)
    assert [(e.host, e.message) for e in follower.poll()] == [("algo-2", "b2"), ("algo-3", "c1")]
    assert follower.hosts == {"algo-1", "algo-2", "algo-3"}


def test_following_logs_goes_on_until_the_job_ends(wire: Wire, bucket: str, logs_admin: Any) -> None:
    backend = wire.backend()
    name = backend.submit(JobDefinition(image_uri=IMAGE, role=ROLE, job_name="followed"))
    job = moto_job(name)
    job.processing_job_status = "InProgress"
    steps: Iterator[Callable[[], object]] = iter([
        lambda: seed_logs(logs_admin, name, {"algo-1": ["working"]}, start_ms=NOW),
        lambda: seed_logs(logs_admin, name, {"algo-1": ["still working"]}, start_ms=NOW + 1000),
        lambda: setattr(job, "processing_job_status", "Completed"),
        lambda: seed_logs(logs_admin, name, {"algo-1": ["last words"]}, start_ms=NOW + 2000),
    ])
    polls: list[str] = []

    def sleep(_: float) -> None:
        polls.append(job.processing_job_status)
        next(steps)()

    backend._sleep = sleep
    lines = [f"{event.host} | {event.message}" for event in backend.logs(name, follow=True)]
    assert backend.wait(name).status == "Completed"
    assert lines == ["algo-1 | working", "algo-1 | still working", "algo-1 | last words"]
    assert polls == ["InProgress", "InProgress", "InProgress", "Completed"]  # one more poll after the end
