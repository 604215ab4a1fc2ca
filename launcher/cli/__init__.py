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

import signal
from types import FrameType

from launcher.cli.interrupts import Interrupted


def main() -> None:
    """Entry point of the `byoc` script: SIGTERM and SIGHUP end a command as Ctrl-C does, saying which."""
    from launcher.cli.app import app

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    app()


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise Interrupted(signum)
