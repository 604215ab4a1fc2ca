"""The one place a job's outcome is decided: exit code, exit message, log line.

A job is `main(argv)`. `run(main, argv)` calls it under a SIGTERM handler and turns every way out of it
into SageMaker's contract: exit 0, or a non-zero code with /opt/ml/output/message written (cause first).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

from byoc_runtime.context import MlLayout
from byoc_runtime.errors import KitError, Stopped
from byoc_runtime.message import write_exit_message

INTERNAL_ERROR_EXIT = 1
INTERRUPTED_EXIT = 130

Job = Callable[[Sequence[str]], None]


def run(job: Job, argv: Sequence[str] | None = None, *, skip_teardown: bool = False) -> NoReturn:
    """Run `job(argv)` and exit the process with the contract's code and message.

    `skip_teardown` ends a successful run with os._exit after flushing, as failures always do: native
    thread pools (pyarrow's) can abort the interpreter's teardown (exit 139 seen under load). Only for
    jobs that close their own files: buffers left to the garbage collector would be lost.
    """
    layout = MlLayout.from_environment(os.environ)
    _install_stop_handler()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        job(args)
    except Stopped as stop:
        _fail(layout, stop.exit_code, stop.exit_message())
    except KitError as error:
        _fail(layout, error.exit_code, error.exit_message())
    except SystemExit as done:  # argparse --help, or a job that exits on its own
        if done.code not in (0, None):
            _fail(layout, done.code if isinstance(done.code, int) else 1, f"JobError: exited with {done.code}")
        sys.exit(0)
    except KeyboardInterrupt:
        _fail(layout, INTERRUPTED_EXIT, "Stopped: interrupted (SIGINT)")
    except BaseException as error:
        traceback.print_exc(file=sys.stderr)
        _fail(
            layout, INTERNAL_ERROR_EXIT, f"InternalError: {type(error).__name__}: {error} (traceback in the job's log)"
        )
    if skip_teardown:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    sys.exit(0)


def _fail(layout: MlLayout, code: int, message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    try:
        write_exit_message(layout.message_file, message)
    except OSError as exc:
        print(f"byoc_runtime: could not write {layout.message_file}: {exc.strerror}", file=sys.stderr)
    sys.stdout.flush()
    os._exit(code)


def _install_stop_handler() -> None:
    """PID 1 ignores signals without a handler, so SIGTERM must have one to stop the job at all."""

    def on_term(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop is enough; cleanup must not be re-interrupted
        raise Stopped(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_term)
