"""Signals that end `byoc`: Ctrl-C, SIGTERM and SIGHUP, each with the StopCause it records on a job."""

from __future__ import annotations

import signal

from launcher.backend import StopCause

_CAUSES = {
    signal.SIGINT: StopCause.INTERRUPTED,
    signal.SIGTERM: StopCause.TERMINATED,
    signal.SIGHUP: StopCause.HANGUP,
}


class Interrupted(BaseException):
    """`byoc` was told to end by a signal. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` on the way up mistakes it for a failure."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def cause(self) -> StopCause:
        return _CAUSES[signal.Signals(self.signum)]

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
