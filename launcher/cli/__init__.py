"""`byoc`: a client of the Backend protocol, with one handler that turns an exception into an exit code.

Results go to stdout, logs and progress to stderr. An expected failure (any `LauncherError`) prints one
red line and exits with the error's own code; anything else is a bug: it prints its traceback and says
so (`handler.py`). The exit codes are listed once, in launcher/errors.py. Nothing a job wrote is ever
read as rich markup (`render.py`).

    app       the command tree          jobs     run, describe, logs, stop, list, timeline
    backends  the one place a backend   images   push
              is picked and configured  replay   replay (a SageMaker job, run locally)
    handler   exceptions -> exit codes  follow   a submitted job's lines, interrupts, its end
    check     check IMAGE: the table    render   summaries, tables, log lines
                                        debug    debug JOB (a shell on a host), clean
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import NoReturn

from launcher.cli.interrupts import Interrupted


def main() -> None:
    """Entry point of the `byoc` script: SIGTERM and SIGHUP end a command as Ctrl-C does, saying which."""
    from launcher.cli.app import app

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        app()
    except SystemExit as done:
        _leave(done)


def _leave(done: SystemExit) -> NoReturn:
    """Exit with the command's code without tearing the interpreter down.

    Once a command has returned there is nothing left to do, yet unloading what it imported (docker-py,
    pydantic, rich) takes longer than many commands (a quarter of a second on a busy machine): the
    streams and log handlers are flushed and the process ends. Not while another thread runs (a job
    supervised in this process): Python's own exit waits for it, as it should.
    """
    if threading.active_count() > 1 or not (done.code is None or isinstance(done.code, int)):
        raise done
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a pipe closed by the reader, a stream closed
            stream.flush()
    os._exit(done.code or 0)


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise Interrupted(signum)
