"""What only the endpoint knows about a job: the request exactly as the client sent it, its tags, and the
image hint for a job whose image was not found. Kept in memory and written through to `<state>/jobs/`.

The backend runs the job and owns its status; this keeps what a client said that the backend did not need
(the registry URI it named before mapping, tags), so DescribeProcessingJob and ListTags answer it back.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from launcher.serve.keys import private_folder


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    request: dict[str, Any]
    tags: list[dict[str, str]] = field(default_factory=list)
    image_hint: str | None = None


class EndpointStore:
    def __init__(self, folder: Path) -> None:
        self.folder = private_folder(folder)
        self._lock = threading.Lock()
        self._records: dict[str, EndpointRecord] = {}
        for file in self.folder.glob("*.json"):
            data = json.loads(file.read_text(encoding="utf-8"))
            self._records[file.stem] = EndpointRecord(**data)

    def get(self, job_name: str) -> EndpointRecord | None:
        return self._records.get(job_name)

    def put(self, job_name: str, record: EndpointRecord) -> None:
        """Keep `record` for a job being created (replacing one left by a job whose folder was deleted)."""
        with self._lock:
            self._records[job_name] = record
        self._write(job_name, record)

    def release(self, job_name: str) -> None:
        with self._lock:
            self._records.pop(job_name, None)
        (self.folder / f"{job_name}.json").unlink(missing_ok=True)

    def set_tags(self, job_name: str, request: Mapping[str, Any], tags: list[dict[str, str]]) -> None:
        with self._lock:
            current = self._records.get(job_name) or EndpointRecord(dict(request))
            record = EndpointRecord(current.request, tags, current.image_hint)
            self._records[job_name] = record
        self._write(job_name, record)

    def _write(self, job_name: str, record: EndpointRecord) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp.")
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(asdict(record), stream, default=str)
        os.replace(tmp, self.folder / f"{job_name}.json")
