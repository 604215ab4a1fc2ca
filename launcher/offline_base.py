"""The offline base image the kit's Dockerfiles start from when no registry gives them one.

`byoc/offline-base:bookworm` is Debian bookworm's minbase with python3, made by containers/offline-base.sh
with debootstrap and `docker import`, no registry involved. When it is missing, `byoc build` makes it if
this machine can (Linux, root, debootstrap or apt-get to install it), else it stops with what to do
instead: run once as root, or name a base from a registry (`--base-image python:3.11-slim-bookworm`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from launcher.errors import BuildError, UsageError
from launcher.kit import Kit

OFFLINE_BASE = "byoc/offline-base:bookworm"
SUITE = "bookworm"


class BaseImageError(UsageError):
    """The offline base image is missing and cannot be made on this machine."""


@dataclass(frozen=True, slots=True)
class Machine:
    """What decides whether debootstrap can run here."""

    system: str  # sys.platform
    euid: int
    which: Callable[[str], str | None]

    @classmethod
    def this(cls) -> Machine:
        return cls(sys.platform, os.geteuid(), shutil.which)


def cannot_build_here(machine: Machine) -> str | None:
    """Why containers/offline-base.sh cannot run on `machine`, or None when it can."""
    if not machine.system.startswith("linux"):
        return f"debootstrap runs on Linux only (this is {machine.system})"
    if machine.euid != 0:
        return "debootstrap needs root"
    if machine.which("debootstrap") is None and machine.which("apt-get") is None:
        return "debootstrap is not installed and there is no apt-get to install it"
    return None


def make_offline_base(kit: Kit, docker: str, err: Console, machine: Machine | None = None) -> None:
    """Build OFFLINE_BASE with the kit's script (about a minute), or raise BaseImageError saying why not."""
    why_not = cannot_build_here(machine or Machine.this())
    if why_not is not None:
        raise BaseImageError(
            f"the base image {OFFLINE_BASE} is missing, and it cannot be built here: {why_not}. Build it once as "
            f"root on Debian or Ubuntu (run `byoc build` as root: it makes it with debootstrap), or build from a "
            f"base in a registry: `byoc build IMAGE --base-image python:3.11-slim-bookworm`")
    err.print(Text(f"byoc: {OFFLINE_BASE} is missing: building it with debootstrap (about a minute, once per "
                   f"machine)", style="yellow"))
    result = subprocess.run(["bash", str(kit.offline_base_script), OFFLINE_BASE, SUITE],
                            env={**os.environ, "DOCKER": docker}, check=False)
    if result.returncode != 0:
        raise BuildError(f"building {OFFLINE_BASE} with {kit.offline_base_script} failed (exit "
                             f"{result.returncode}): its output is above")
