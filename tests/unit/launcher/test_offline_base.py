"""When `byoc build` may make the missing offline base with debootstrap, and what it says when it may not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.console import Console

from launcher.kit import locate
from launcher.offline_base import BaseImageError, Machine, cannot_build_here, make_offline_base


def which(*present: str) -> Callable[[str], str | None]:
    """shutil.which on a machine where only `present` are installed."""
    return lambda name: f"/usr/sbin/{name}" if name in present else None


@pytest.mark.parametrize(("machine", "reason"), [
    (Machine("linux", 0, which("debootstrap")), None),
    (Machine("linux", 0, which("apt-get")), None),  # offline-base.sh installs debootstrap first
    (Machine("darwin", 0, which("debootstrap")), "debootstrap runs on Linux only (this is darwin)"),
    (Machine("linux", 1000, which("debootstrap", "apt-get")), "debootstrap needs root"),
    (Machine("linux", 0, which()), "debootstrap is not installed and there is no apt-get to install it"),
])
def test_debootstrap_needs_linux_root_and_a_way_to_get_it(machine: Machine, reason: str | None) -> None:
    assert cannot_build_here(machine) == reason


def test_a_machine_that_cannot_make_the_base_is_told_what_to_do_instead() -> None:
    err = Console(stderr=True)
    with pytest.raises(BaseImageError) as raised:
        make_offline_base(locate(), "/usr/bin/docker", err, Machine("linux", 1000, which("debootstrap")))
    assert str(raised.value) == (
        "the base image byoc/offline-base:bookworm is missing, and it cannot be built here: debootstrap needs root. "
        "Build it once as root on Debian or Ubuntu (run `byoc build` as root: it makes it with debootstrap), or "
        "build from a base in a registry: `byoc build IMAGE --base-image python:3.11-slim-bookworm`")
    assert raised.value.exit_code == 2
