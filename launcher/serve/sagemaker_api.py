"""The SageMaker operations of a Processing endpoint, on any `Backend`: create, describe, list, stop, tags.

Each handler takes the operation's parsed, validated parameters and returns its output with the API's own
member names; `wire` writes it. A job belongs to the backend: this module never reads a backend's files, it
asks `describe`, `list`, `submit`, `stop`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from launcher.backend import Backend, JobStatus, StopCause
from launcher.errors import JobNotFoundError, LauncherError
from launcher.images import ImageResolver
from launcher.request import definition_from_request
from launcher.serve.listing import last_modified, list_jobs
from launcher.serve.store import EndpointRecord, EndpointStore
from launcher.serve.wire import ServiceFault

STOP_ACKNOWLEDGE_SECONDS = 5.0


class SageMakerApi:
    def __init__(self, backend: Backend, store: EndpointStore, images: ImageResolver) -> None:
        self.backend = backend
        self.store = store
        self.images = images
        self._create_lock = threading.Lock()
        self.submitted: list[str] = []  # the jobs this process supervises: stopped when it shuts down

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "CreateProcessingJob": self.create_processing_job,
            "DescribeProcessingJob": self.describe_processing_job,
            "ListProcessingJobs": self.list_processing_jobs,
            "StopProcessingJob": self.stop_processing_job,
            "AddTags": self.add_tags,
            "ListTags": self.list_tags,
            "DeleteTags": self.delete_tags,
        }

    def create_processing_job(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ProcessingJobName"]
        resolution = self.images.resolve(params["AppSpecification"]["ImageUri"])
        local = {**params, "AppSpecification": {**params["AppSpecification"], "ImageUri": resolution.image}}
        definition = replace(definition_from_request(local), job_name=name)  # JobDefinitionError: the problems
        record = EndpointRecord(dict(params), list(params.get("Tags", [])),
                                None if resolution.known else resolution.failure_hint())
        with self._create_lock:  # one name, one job: the store's record and the backend's agree
            if self._exists(name):
                raise ServiceFault("ResourceInUse", f"Job name must be unique within an AWS account and region, "
                                                    f"and a job with this name already exists ({name})")
            self.store.put(name, record)  # before submit: a describe right after create finds it
            try:
                self.backend.submit(definition)
            except BaseException:
                self.store.release(name)
                raise
            self.submitted.append(name)
        return {"ProcessingJobArn": self.backend.describe(name).job_arn}

    def _exists(self, name: str) -> bool:
        try:
            self.backend.describe(name)
        except JobNotFoundError:
            return False
        return True

    def describe_processing_job(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self._status(params["ProcessingJobName"])
        record = self.store.get(status.job_name)
        request = dict(record.request) if record is not None else dict(status.request)
        request.pop("Tags", None)
        failure = status.failure_reason
        if record is not None and record.image_hint and status.status == "Failed" and failure \
                and failure.startswith("ClientError"):
            failure = f"ClientError: {record.image_hint}"
        return {
            **request,
            "ProcessingJobName": status.job_name,
            "ProcessingJobArn": status.job_arn,
            "ProcessingJobStatus": status.status,
            "FailureReason": failure,
            "ExitMessage": status.exit_message,
            "CreationTime": status.creation_time,
            "LastModifiedTime": last_modified(status),
            "ProcessingStartTime": status.start_time,
            "ProcessingEndTime": status.end_time,
        }

    def list_processing_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        return list_jobs(self.backend.list(), params)

    def stop_processing_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """As on SageMaker, the job says Stopping (or has ended) by the time this returns: the backend's
        supervisor takes the request on its next poll, so wait for that, briefly."""
        name = self._status(params["ProcessingJobName"]).job_name
        self.backend.stop(name)
        deadline = time.monotonic() + STOP_ACKNOWLEDGE_SECONDS
        while self.backend.describe(name).status == "InProgress" and time.monotonic() < deadline:
            time.sleep(0.02)
        return {}

    def stop_all(self, timeout: float) -> list[str]:
        """Stop every job this process still supervises (it is shutting down) and wait for their ends; the
        names of those that did not end within `timeout`."""
        running = []
        for name in self.submitted:
            try:
                self.backend.stop(name, StopCause.TERMINATED)
                running.append(name)
            except LauncherError:  # ended already
                continue
        deadline = time.monotonic() + timeout
        while running and time.monotonic() < deadline:
            running = [n for n in running if not self.backend.describe(n).is_terminal]
            time.sleep(0.1)
        return running

    def add_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self._by_arn(params["ResourceArn"])
        tags = {t["Key"]: t for t in self._tags(status)}
        tags.update({t["Key"]: t for t in params["Tags"]})
        if len(tags) > 50:
            raise ServiceFault("ResourceLimitExceeded", f"{params['ResourceArn']} would have {len(tags)} tags; "
                                                        "the limit is 50")
        self.store.set_tags(status.job_name, status.request, list(tags.values()))
        return {"Tags": list(tags.values())}

    def list_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._tags(self._by_arn(params["ResourceArn"]))
        start = int(params.get("NextToken", "0") or 0) if str(params.get("NextToken", "0")).isdigit() else 0
        limit = params.get("MaxResults", 50)
        result: dict[str, Any] = {"Tags": tags[start:start + limit]}
        if start + limit < len(tags):
            result["NextToken"] = str(start + limit)
        return result

    def delete_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self._by_arn(params["ResourceArn"])
        remove = set(params["TagKeys"])
        self.store.set_tags(status.job_name, status.request, [t for t in self._tags(status) if t["Key"] not in remove])
        return {}

    def _tags(self, status: JobStatus) -> list[dict[str, str]]:
        record = self.store.get(status.job_name)
        if record is not None:
            return list(record.tags)
        return list(status.request.get("Tags", []))

    def _status(self, name: str) -> JobStatus:
        try:
            return self.backend.describe(name)
        except JobNotFoundError:
            raise ServiceFault("ResourceNotFound", f"Could not find requested job with name {name}") from None

    def _by_arn(self, arn: str) -> JobStatus:
        kind, _, name = arn.rpartition(":")[2].partition("/")
        if kind == "processing-job" and name:
            for status in self.backend.list():
                if status.job_arn == arn or status.job_name.lower() == name.lower():
                    return status
        raise ServiceFault("ResourceNotFound", f"Could not find resource {arn} (this endpoint holds processing jobs)")
