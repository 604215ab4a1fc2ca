"""`byoc`: a client of the Backend protocol, with one handler that turns an exception into an exit code.

Results go to stdout, logs and progress to stderr. An expected failure (any `LauncherError`) prints one
red line and exits with the error's own code; anything else is a bug: it prints its traceback and says
so (`handler.py`). The exit codes are listed once, in launcher/errors.py. Nothing a job wrote is ever
read as rich markup (`render.py`).

    __init__  the entry point           handover a `byoc run` handed to a warm process (stdlib only)
    warm      the warm process          consoles rich consoles, remade for a warm run's streams
    app       the command tree          jobs     run, describe, logs, stop, list, timeline
    backends  the one place a backend   images   push
              is picked and configured  replay   replay (a SageMaker job, run locally)
    handler   exceptions -> exit codes  follow   a submitted job's lines, interrupts, its end
    check     check IMAGE: the table    render   summaries, tables, log lines
                                        debug    debug JOB (a shell on a host), clean
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's, which `byoc run` in a warm process (warm.py) would wait for
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn


def main() -> None:
    """Entry point of the `byoc` script: in this user's warm `byoc` if one of this environment waits (warm.py)."""
    from launcher.cli.handover import hand_over

    code = hand_over(sys.argv)
    if code is not None:
        os._exit(code)
    from launcher.cli.app import app

    _leave(run_command(app))


def install_interrupts() -> None:
    """SIGTERM and SIGHUP end a command as Ctrl-C does, saying which (launcher/cli/interrupts.py)."""
    import signal

    from launcher.cli.interrupts import Interrupted

    def interrupt(signum: int, _: object) -> None:
        raise Interrupted(signum)

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def run_command(command: Callable[[], object]) -> int:
    """Run the command line's command (`command` parses sys.argv); its exit code. An exit with a message prints
    it, as Python does, and is 1."""
    install_interrupts()
    try:
        command()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


def _leave(code: int) -> NoReturn:
    """Exit with the command's code without tearing the interpreter down.

    Once a command has returned there is nothing left to do, yet unloading what it imported (docker-py,
    pydantic, rich) takes longer than many commands (a quarter of a second on a busy machine): the
    streams and log handlers are flushed and the process ends. Not while another thread runs (a job
    supervised in this process): Python's own exit waits for it, as it should.
    """
    import contextlib
    import logging
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a pipe closed by the reader, a stream closed
            stream.flush()
    os._exit(code)
