"""Watches a running job's containers and decides when to stop them, as SageMaker does.

- Every host runs until it exits by itself; a slow host keeps the job running.
- The first host to exit non-zero fails the job: the others get SIGTERM, then SIGKILL after the grace
  period (SageMaker documents no grace for processing; training's 120 s is the default).
- MaxRuntimeInSeconds and a stop request (StopProcessingJob, `byoc stop`, a client interrupted by
  Ctrl-C, SIGTERM or SIGHUP) stop every host the same way, and the result says which. A request to
  kill (a second Ctrl-C) sends SIGKILL at once.

The engine is behind the `Containers` protocol, so this policy is tested without Docker.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from launcher.backend import StopCause


class Containers(Protocol):
    def wait(self, host: str) -> int: ...
    def stop(self, grace_seconds: float) -> None: ...
    def kill(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StopRequest:
    """A client's request to stop the job: why, and whether to kill at once."""

    cause: StopCause
    kill: bool = False


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the job was stopped before every host finished by itself, in FailureReason's words."""

    cause: StopCause
    reason: str


@dataclass(slots=True)
class RunResult:
    exit_codes: dict[str, int] = field(default_factory=dict)
    first_failure: str | None = None
    stop: Stop | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    max_runtime_seconds: float | None
    grace_seconds: float
    poll_seconds: float = 0.2


def stop_reason(cause: StopCause, max_runtime_seconds: float | None = None) -> str:
    """FailureReason of a job stopped for `cause`."""
    if cause is StopCause.MAX_RUNTIME:
        return (f"MaxRuntimeExceeded: the job ran longer than MaxRuntimeInSeconds={max_runtime_seconds:g}; "
                "every host got SIGTERM")
    return f"Stopped: {cause.value}"


class Supervisor:
    def __init__(
        self,
        containers: Containers,
        hosts: tuple[str, ...],
        limits: Limits,
        *,
        stop_requested: Callable[[], StopRequest | None],
        on_exit: Callable[[str, int], None],
        on_stopping: Callable[[Stop], None] = lambda stop: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.containers = containers
        self.hosts = hosts
        self.limits = limits
        self.stop_requested = stop_requested
        self.on_exit = on_exit
        self.on_stopping = on_stopping
        self.clock = clock
        self.result = RunResult()
        self._stopper: threading.Thread | None = None
        self._killed = False

    def run(self) -> RunResult:
        exits: queue.Queue[tuple[str, int]] = queue.Queue()
        for host in self.hosts:
            threading.Thread(target=lambda h=host: exits.put((h, self.containers.wait(h))), daemon=True,
                             name=f"wait-{host}").start()
        started = self.clock()
        while len(self.result.exit_codes) < len(self.hosts):
            self._collect(exits)
            self._check_limits(started)
        if self._stopper is not None:
            self._stopper.join()
        return self.result

    def _collect(self, exits: queue.Queue[tuple[str, int]]) -> None:
        try:
            host, code = exits.get(timeout=self.limits.poll_seconds)
        except queue.Empty:
            return
        self.result.exit_codes[host] = code
        self.on_exit(host, code)
        if code != 0 and self.result.first_failure is None and self.result.stop is None:
            self.result.first_failure = host
            self._stop_all(None)

    def _check_limits(self, started: float) -> None:
        request = self.stop_requested()
        if request is not None and request.kill and not self._killed:
            self._killed = True
            self._record(Stop(request.cause, stop_reason(request.cause)))
            self.containers.kill()
        if self.result.stop is not None or self.result.first_failure is not None:
            return
        limit = self.limits.max_runtime_seconds
        if limit is not None and self.clock() - started > limit:
            self._stop_all(Stop(StopCause.MAX_RUNTIME, stop_reason(StopCause.MAX_RUNTIME, limit)))
        elif request is not None:
            self._stop_all(Stop(request.cause, stop_reason(request.cause)))

    def _record(self, stop: Stop) -> None:
        if self.result.stop is None and self.result.first_failure is None:
            self.result.stop = stop
            self.on_stopping(stop)

    def _stop_all(self, stop: Stop | None) -> None:
        """Stop in the background, so exits keep being collected during the grace period."""
        if stop is not None:
            self._record(stop)
        if self._stopper is None:
            self._stopper = threading.Thread(target=self.containers.stop, args=(self.limits.grace_seconds,),
                                             daemon=True, name="stop-all")
            self._stopper.start()
