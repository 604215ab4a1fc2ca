"""Watches a running job's containers and decides when to stop them, as SageMaker does.

- Every host runs until it exits by itself; a slow host keeps the job running.
- The first host to exit non-zero fails the job: the others get SIGTERM, then SIGKILL after the grace
  period (SageMaker documents no grace for processing; training's 120 s is the default).
- MaxRuntimeInSeconds, `byoc stop` (a marker file) and Ctrl-C stop every host the same way. A second
  Ctrl-C kills at once.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Containers(Protocol):
    def wait(self, host: str) -> int: ...
    def stop(self, grace_seconds: float) -> None: ...
    def kill(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the job was stopped before every host finished by itself."""

    cause: str  # "max-runtime", "requested", "interrupted"
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


class Supervisor:
    def __init__(
        self,
        containers: Containers,
        hosts: tuple[str, ...],
        limits: Limits,
        *,
        stop_requested: Callable[[], bool],
        on_exit: Callable[[str, int], None],
    ) -> None:
        self.containers = containers
        self.hosts = hosts
        self.limits = limits
        self.stop_requested = stop_requested
        self.on_exit = on_exit
        self.result = RunResult()
        self._stopper: threading.Thread | None = None

    def run(self) -> RunResult:
        exits: queue.Queue[tuple[str, int]] = queue.Queue()
        for host in self.hosts:
            threading.Thread(target=lambda h=host: exits.put((h, self.containers.wait(h))), daemon=True,
                             name=f"wait-{host}").start()
        started = time.monotonic()
        interrupts = 0
        while len(self.result.exit_codes) < len(self.hosts):
            try:
                self._collect(exits)
                self._check_limits(started)
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    self._stop_all(Stop("interrupted", "Stopped: interrupted from the launcher (Ctrl-C)"))
                else:
                    self.containers.kill()
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
        if self.result.stop is not None or self.result.first_failure is not None:
            return
        limit = self.limits.max_runtime_seconds
        if limit is not None and time.monotonic() - started > limit:
            self._stop_all(Stop("max-runtime", f"MaxRuntimeExceeded: the job ran longer than "
                                               f"MaxRuntimeInSeconds={limit:g}; every host got SIGTERM"))
        elif self.stop_requested():
            self._stop_all(Stop("requested", "Stopped: StopProcessingJob was requested (`byoc stop`)"))

    def _stop_all(self, stop: Stop | None) -> None:
        """Stop in the background, so exits keep being collected during the grace period."""
        if stop is not None:
            self.result.stop = stop
        if self._stopper is None:
            self._stopper = threading.Thread(target=self.containers.stop, args=(self.limits.grace_seconds,),
                                             daemon=True, name="stop-all")
            self._stopper.start()
