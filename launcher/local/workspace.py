"""A job's folder on the host: one `/opt/ml` tree per host, the logs, the job record.

    <jobs root>/<job name>/
        job.json                   the JobRecord (status, reason, times, per-host exit codes)
        request.json               the CreateProcessingJob request this job mirrors
        supervisor.lock            locked by the job's supervisor for as long as it lives
        supervisor.log             what the supervisor itself printed (a traceback if it crashed)
        stop-requested             present once a client asked the job to stop; holds the StopCause
        hosts/algo-1/ml/           /opt/ml of algo-1's container, bind-mounted; with volume staging (hostfiles.py)
                                   what went into its volume and what came out of it; with inputs staged
                                   once (layers.py) the writable layer of its overlay
        inputs/shared/, inputs/algo-1/  inputs staged once (layers.py): what every host gets, what one host gets
            config/processingjobconfig.json, config/resourceconfig.json
            processing/input/<...> the host's copy (or shard) of each input, or its Pipe FIFOs
            processing/output/<...>
            output/message         the container's exit message
        hosts/algo-1/log.txt       everything algo-1 printed
        hosts/algo-1/events.jsonl  the same, one line per event with its time (for `logs` and the endpoint)

The jobs root is `$BYOC_JOBS_DIR`, else `~/.byoc/jobs`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JOBS_DIR_ENV = "BYOC_JOBS_DIR"
CONTAINER_ML = PurePosixPath("/opt/ml")


def jobs_root(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    configured = env.get(JOBS_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".byoc" / "jobs"


def host_names(count: int) -> tuple[str, ...]:
    """SageMaker's host names: algo-1 ... algo-N."""
    return tuple(f"algo-{i}" for i in range(1, count + 1))


@dataclass(frozen=True, slots=True)
class JobWorkspace:
    folder: Path

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def record_file(self) -> Path:
        return self.folder / "job.json"

    @property
    def request_file(self) -> Path:
        return self.folder / "request.json"

    @property
    def stop_marker(self) -> Path:
        return self.folder / "stop-requested"

    @property
    def lock_file(self) -> Path:
        return self.folder / "supervisor.lock"

    @property
    def supervisor_log(self) -> Path:
        return self.folder / "supervisor.log"

    def host_ml(self, host: str) -> Path:
        """The host's /opt/ml here: mounted in its container, or its volume's copy (hostfiles.py)."""
        return self.folder / "hosts" / host / "ml"

    def host_path(self, host: str, container_path: str | PurePosixPath) -> Path:
        """Where a container path under /opt/ml lives on the host, for one host."""
        return self.host_ml(host) / PurePosixPath(container_path).relative_to(CONTAINER_ML)

    def log_file(self, host: str) -> Path:
        return self.folder / "hosts" / host / "log.txt"

    def events_file(self, host: str) -> Path:
        return self.folder / "hosts" / host / "events.jsonl"

    def message_file(self, host: str) -> Path:
        return self.host_path(host, "/opt/ml/output/message")

    def hosts(self) -> list[str]:
        hosts_dir = self.folder / "hosts"
        names = [p.name for p in hosts_dir.iterdir()] if hosts_dir.is_dir() else []
        return sorted(names, key=lambda h: int(h.rsplit("-", 1)[-1]) if h.rsplit("-", 1)[-1].isdigit() else 0)
