"""The runtime's errors, each owning its exit code and the one-line message SageMaker shows.

    BaseException
    ├── Stopped            SIGTERM (StopProcessingJob, MaxRuntimeInSeconds): exit 143
    └── Exception
        └── KitError       anything the runtime or a job reports on purpose: exit 1
            ├── UsageError      bad ContainerArguments: exit 2
            ├── ContractError   a malformed or inconsistent /opt/ml/config file: exit 3
            ├── InputError      bad input data (channel, file, line): exit 4
            └── OutputError     an output folder that cannot be written: exit 5

Any other exception is an internal error: exit 1 with a traceback on stderr. `Stopped` derives from
BaseException so that a job's own `except Exception` cannot swallow a stop request.
"""

from __future__ import annotations

from typing import ClassVar


class KitError(Exception):
    """An expected failure: its message names the thing at fault."""

    exit_code: ClassVar[int] = 1
    kind: ClassVar[str] = "JobError"

    def exit_message(self) -> str:
        return f"{self.kind}: {self}"


class UsageError(KitError):
    exit_code = 2
    kind = "UsageError"


class ContractError(KitError):
    """A config file under /opt/ml/config is missing, malformed, or inconsistent."""

    exit_code = 3
    kind = "ContractError"

    def __init__(self, file: str, key_path: str, problem: str) -> None:
        self.file = file
        self.key_path = key_path
        where = f"{file}: {key_path}" if key_path else file
        super().__init__(f"{where}: {problem}")


class InputError(KitError):
    """Input data the job cannot use; names the channel, file and line when known."""

    exit_code = 4
    kind = "InputError"

    def __init__(
        self, problem: str, *, channel: str | None = None, file: str | None = None, line: int | None = None
    ) -> None:
        self.channel = channel
        self.file = file
        self.line = line
        where = []
        if channel is not None:
            where.append(f"channel '{channel}'")
        if file is not None:
            where.append(f"file '{file}'" + (f" line {line}" if line is not None else ""))
        super().__init__(", ".join(where) + ": " + problem if where else problem)


class OutputError(KitError):
    """An output folder that is missing and cannot be made, or cannot be written."""

    exit_code = 5
    kind = "OutputError"

    def __init__(self, problem: str, *, output: str | None = None, path: str | None = None) -> None:
        self.output = output
        self.path = path
        where = []
        if output is not None:
            where.append(f"output '{output}'")
        if path is not None:
            where.append(f"path '{path}'")
        super().__init__(", ".join(where) + ": " + problem if where else problem)


class Stopped(BaseException):
    """Raised in the main thread by the SIGTERM handler."""

    exit_code: ClassVar[int] = 143

    def __init__(self, signal_name: str) -> None:
        self.signal_name = signal_name
        super().__init__(signal_name)

    def exit_message(self) -> str:
        return (
            f"Stopped: received {self.signal_name} (StopProcessingJob or MaxRuntimeInSeconds); the job did not finish"
        )
