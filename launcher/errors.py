"""The launcher's errors, each owning its exit code, so the CLI has one place to turn them into an exit.

    Exception
    └── LauncherError          an expected failure, reported without a traceback: exit 1
        ├── JobDefinitionError a job file or JobDefinition the service would reject: exit 2
        └── BackendError       a backend could not run the job (Docker, AWS): exit 3

Other modules add their own subclasses under `LauncherError` (or under `BackendError` for one
backend's faults) and pick a new exit code. Anything that is not a LauncherError is a bug in the
launcher and deserves a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar


class LauncherError(Exception):
    """An expected failure: the message names the thing at fault."""

    exit_code: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a job definition: the field path, what is wrong, and where it was written.

    `path` uses the definition's own field names (`inputs[1].s3_input_mode`, `env.MODE`); it is empty
    for a problem with the file as a whole. `file` and `line` are set when the definition came from
    a job file, so the user can jump to it.
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.file is not None and self.line is not None:
            where = f"{self.file}:{self.line}"
        parts = [part for part in (where, self.path, self.message) if part]
        return ": ".join(parts)


class JobDefinitionError(LauncherError):
    """A job file or JobDefinition that cannot run; `.problems` lists every fault found, not just the first.

    Reporting all of them at once saves the edit-run-edit loop a service ValidationException gives.
    """

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("JobDefinitionError needs at least one problem")
        super().__init__(self._format())

    def _format(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems in the job definition:\n{lines}"


class BackendError(LauncherError):
    """A backend could not run the job: the engine or the service failed, not the job definition."""

    exit_code = 3
