"""The Spark processes this container starts, and stopping them however the job ends.

They are plain children (`spark-class` execs the JVM), never daemonized: the runtime's SIGTERM
handler raises in the main thread, `Processes.__exit__` then stops them in reverse order of start
(driver, worker, master) with SIGTERM, and SIGKILL after a grace period.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import TracebackType

from byoc_spark.driver_output import Tail

log = logging.getLogger("byoc_spark")
STOP_GRACE_SECONDS = 10.0


class Process:
    """One child process, with a name for messages."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], *, capture: bool = False) -> None:
        self.name = name
        self.argv = list(argv)
        self.tail = Tail() if capture else None
        pipe = subprocess.PIPE if capture else None
        log.info("starting %s: %s", name, " ".join(self.argv))
        self.popen = subprocess.Popen(self.argv, env=dict(env), stdout=pipe, stderr=pipe, stdin=subprocess.DEVNULL)
        if self.tail is not None:
            assert self.popen.stdout is not None and self.popen.stderr is not None
            self.tail.follow(self.popen.stdout, sys.stdout, f"{name}-stdout")
            self.tail.follow(self.popen.stderr, sys.stderr, f"{name}-stderr")

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self) -> int:
        code = self.popen.wait()
        if self.tail is not None:
            self.tail.join()
        return code

    def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        if self.popen.poll() is not None:
            return
        log.info("stopping %s (pid %d)", self.name, self.popen.pid)
        self.popen.terminate()
        try:
            self.popen.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s of SIGTERM: killing it", self.name, grace_seconds)
            self.popen.kill()
            self.popen.wait()


class Processes:
    """Every process started in the `with` block is stopped when it ends, last started first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self._started: list[Process] = []

    def start(self, name: str, argv: Sequence[str], *, capture: bool = False) -> Process:
        process = Process(name, argv, self.env, capture=capture)
        self._started.append(process)
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop_all()

    def stop_all(self) -> None:
        while self._started:
            process = self._started.pop()
            try:
                process.stop()
            except BaseException:  # interrupted while waiting: kill the rest rather than leave them running
                for left in (process, *self._started):
                    left.popen.kill()
                self._started.clear()
                raise
