"""Follow a submitted job to its end: its hosts' lines (and the backend's notices) and its transfers' progress on
stderr, then its status.

The job runs on its own (its backend supervises it), so following can end without ending the job. When
`byoc` is interrupted while following (Ctrl-C, SIGTERM, SIGHUP), a backend whose jobs run on this
machine is asked to stop the job, recording which signal stopped it; a second Ctrl-C while it stops
kills its containers at once. A job on SageMaker keeps running, as with the SDK.
"""

from __future__ import annotations

import contextlib
import signal

from rich.console import Console
from rich.text import Text

from launcher.backend import NOTICE_HOST, Backend, JobStatus, StopCause
from launcher.cli.interrupts import Interrupted
from launcher.cli.progress import watching
from launcher.cli.render import event_line


def follow(backend: Backend, job_name: str, err: Console, *, echo_logs: bool) -> JobStatus:
    """The job's final status; raises Interrupted once the job has been stopped (or left running)."""
    try:
        with watching(backend, job_name, err):  # inputs staged and outputs uploaded, as they go
            for event in backend.logs(job_name, follow=True):
                if echo_logs or event.host == NOTICE_HOST:
                    err.print(event_line(event), soft_wrap=True)
        return backend.wait(job_name)
    except KeyboardInterrupt:
        interrupted = Interrupted(signal.SIGINT)
    except Interrupted as caught:
        interrupted = caught
    _after_interrupt(backend, job_name, interrupted, err)
    raise interrupted


def _after_interrupt(backend: Backend, job_name: str, interrupted: Interrupted, err: Console) -> None:
    if not backend.interrupt_stops_job:
        _say(err, f"interrupted: job {job_name} keeps running; stop it with `byoc stop {job_name} "
                  f"--backend {backend.name}`")
        return
    backend.stop(job_name, interrupted.cause)
    if interrupted.cause is StopCause.HANGUP:
        return  # the terminal is gone: the job's supervisor stops it and records why
    _say(err, f"interrupted: stopping {job_name} (SIGTERM to every container; Ctrl-C again kills them)")
    try:
        backend.wait(job_name)
    except KeyboardInterrupt:
        backend.stop(job_name, interrupted.cause, kill=True)
        backend.wait(job_name)
    _say(err, "interrupted: every container was stopped and removed")


def _say(err: Console, line: str) -> None:
    with contextlib.suppress(OSError):  # stderr may be a terminal that has gone away
        err.print(Text(line, style="yellow"), soft_wrap=True)
