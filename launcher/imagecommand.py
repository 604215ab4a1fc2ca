"""What a container of an image runs, given a job's ContainerEntrypoint and ContainerArguments.

SageMaker combines them as Docker does: an entrypoint override replaces the image's ENTRYPOINT and drops
its CMD; arguments alone replace CMD. `byoc check` judges the resulting command and `byoc debug` prints
it for the user to rerun by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})


def container_command(image_entrypoint: Sequence[str] | None, image_cmd: Sequence[str] | None,
                      entrypoint: Sequence[str] | None, arguments: Sequence[str] | None) -> tuple[str, ...]:
    """The argv of the container's PID 1."""
    if entrypoint is not None:
        return (*entrypoint, *(arguments or ()))
    return (*(image_entrypoint or ()), *(arguments if arguments is not None else (image_cmd or ())))


def shell_form(command: Sequence[str]) -> bool:
    """`["/bin/sh", "-c", "..."]`: what Docker makes of a shell-form ENTRYPOINT or CMD. PID 1 is then the
    shell, which neither handles SIGTERM nor passes it on to the job it started."""
    return len(command) >= 2 and PurePosixPath(command[0]).name in SHELLS and command[1] == "-c"
