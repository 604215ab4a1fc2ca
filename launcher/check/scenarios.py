"""The runs `byoc check` makes of an image, each a job submitted to the local backend like any other.

    one-host       the job on 1 host                 did it complete? what did it read and write?
    two-hosts      the job on 2 hosts, inputs sharded as the job says (the samples: ShardedByS3Key)
    missing-input  1 host, the first data input left out: must fail, saying why in /opt/ml/output/message
    sigterm        1 host, stopped once it runs: does it exit within the grace period?

Each run's containers are kept after they exit (`Keep.ALL`) so `docker diff` can say what they wrote,
then removed with the job's network. Each host's /opt/ml is bind-mounted (`Staging.BIND`, proven possible
by engine.py) and holds its own copy of the inputs (no input layers, `layered_inputs=False`): its reads
and writes are seen in this machine's folder. The check's jobs folder is its own
temporary folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launcher.backend import JobStatus
from launcher.check.changes import Change, container_changes, ml_files
from launcher.check.watch import Reads, ReadWatcher
from launcher.definition import JobDefinition
from launcher.errors import JobStateError
from launcher.local.backend import LocalBackend
from launcher.local.cluster import LABEL_HOST, LABEL_JOB, sweep
from launcher.local.options import Keep, LocalOptions, Staging
from launcher.local.workspace import JobWorkspace

POLL_SECONDS = 0.05
SIGTERM = 15
HANDLER_GRACE_SECONDS = 1.0  # after the handler is seen: let the job get into its work before it is stopped


@dataclass(frozen=True, slots=True)
class SignalTrial:
    """How the sigterm run went: `sent` is when SIGTERM was asked for (None: the job ended first);
    `handler` whether PID 1 was seen to handle SIGTERM (None: could not be seen)."""

    sent: datetime | None
    handler: bool | None
    exited_after: float | None  # seconds from SIGTERM to the container's exit


@dataclass(frozen=True, slots=True)
class Run:
    """One scenario's job as it ended, and what its hosts did."""

    scenario: str
    definition: JobDefinition
    status: JobStatus
    logs: dict[str, list[str]]  # host -> its last lines
    changes: dict[str, tuple[Change, ...]]  # host -> docker diff
    ml_files: dict[str, tuple[str, ...]]  # host -> files in its /opt/ml after the job
    reads: Reads
    signal: SignalTrial | None = None
    dropped: str | None = None  # the input left out

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(host.name for host in self.status.hosts)


class Scenarios:
    """Runs scenarios one after the other in `folder`, through one LocalBackend."""

    def __init__(self, client: Any, folder: Path, *, region: str, endpoint_url: str | None,
                 grace_seconds: float, signal_after_seconds: float) -> None:
        self.client = client
        self.folder = folder
        self.region = region
        self.endpoint_url = endpoint_url
        self.grace_seconds = grace_seconds
        self.signal_after_seconds = signal_after_seconds

    def run(self, scenario: str, definition: JobDefinition, *, dropped: str | None = None,
            signal: bool = False) -> Run:
        jobs = self.folder / scenario / "jobs"
        jobs.mkdir(parents=True)
        with ReadWatcher(jobs) as watcher:
            backend = LocalBackend(LocalOptions(jobs_dir=jobs, region=self.region, endpoint_url=self.endpoint_url,
                                                stop_grace_seconds=self.grace_seconds, keep=Keep.ALL,
                                                staging=Staging.BIND, layered_inputs=False,
                                                on_staged=watcher.watch))
            name = backend.submit(definition)
            try:
                trial = self._signal(backend, name) if signal else None
                status = backend.wait(name)
                changes = container_changes(self.client, name)
            finally:
                sweep(self.client, name, str(backend.workspace(name).folder))
            workspace = backend.workspace(name)
            hosts = tuple(host.name for host in status.hosts)
            reads = watcher.reads(workspace.folder)
        if trial is not None and trial.sent is not None:
            trial = _timed(trial, status)
        return Run(scenario, definition, status, _last_lines(workspace, hosts), changes, ml_files(workspace, hosts),
                   reads, trial, dropped)

    def _signal(self, backend: LocalBackend, name: str) -> SignalTrial:
        """Wait until the job runs and PID 1 handles SIGTERM (or `signal_after_seconds` passed), then stop it."""
        while (status := backend.describe(name)).start_time is None and not status.is_terminal:
            time.sleep(POLL_SECONDS)
        if status.is_terminal:
            return SignalTrial(None, None, None)
        pid: int | None = None
        handler: bool | None = None
        deadline = time.monotonic() + self.signal_after_seconds
        while time.monotonic() < deadline:
            pid = pid or self._pid(name)  # a container just started may not report its PID yet
            caught = handles_sigterm(pid)
            if caught is None:  # gone (it exited), or not visible from here (a remote engine)
                if backend.describe(name).hosts[0].exit_code is not None:
                    return SignalTrial(None, handler, None)
            else:
                handler = caught
                if caught:
                    time.sleep(HANDLER_GRACE_SECONDS)
                    break
            time.sleep(POLL_SECONDS)
        sent = datetime.now(UTC)
        try:
            backend.stop(name)
        except JobStateError:
            return SignalTrial(None, handler, None)
        return SignalTrial(sent, handler, None)

    def _pid(self, name: str) -> int | None:
        for container in self.client.containers.list(all=True, filters={"label": [f"{LABEL_JOB}={name}",
                                                                                   f"{LABEL_HOST}=algo-1"]}):
            pid = int(container.attrs.get("State", {}).get("Pid") or 0)
            return pid or None
        return None


def handles_sigterm(pid: int | None) -> bool | None:
    """Whether process `pid` (as the engine's host sees it) has a SIGTERM handler; None if it cannot be read.

    PID 1 of a container ignores every signal it has no handler for, SIGTERM included: the kernel drops it.
    """
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (SIGTERM - 1) & 1)
    return None


def _timed(trial: SignalTrial, status: JobStatus) -> SignalTrial:
    """When the host's container exited, relative to SIGTERM; a job that ended before it was never signalled."""
    running = status.hosts[0].phases.get("running") if status.hosts else None
    if running is None or trial.sent is None:
        return trial
    seconds = (running[1] - trial.sent).total_seconds()
    if seconds < 0:
        return SignalTrial(None, trial.handler, None)
    return SignalTrial(trial.sent, trial.handler, seconds)


def _last_lines(workspace: JobWorkspace, hosts: tuple[str, ...], count: int = 5) -> dict[str, list[str]]:
    lines = {}
    for host in hosts:
        log = workspace.log_file(host)
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        lines[host] = [line for line in text.splitlines() if line.strip()][-count:]
    return lines
