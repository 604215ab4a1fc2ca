"""The launcher as users install it: its wheel, in a fresh venv or with pipx, run from a folder far from any clone.

The wheel is built once per session by the Makefile's own recipe (`make dist` into a temporary folder) and
copied next to the installs, so nothing of this repository is on their sys.path or under their cwd. They
install with no index, from the wheels `make wheelhouse` downloaded (the launcher's pinned dependencies),
as an offline user would; pipx is the pinned one `make pipx` installs in build/pipx.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / "build" / "wheelhouse"
PIPX = REPO / "build" / "pipx" / "bin" / "pipx"
# The interpreter the dev venv was made from: a Python 3.11 with nothing installed.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / "python3"
DOCKER = "/usr/bin/docker"  # Debian's CLI: builds with BuildKit (the Makefile's choice too)
SESSION = uuid.uuid4().hex[:8]


@dataclass(frozen=True)
class Installed:
    """One installation of the launcher wheel: its `byoc`, its Python, and the folder it runs from."""

    how: str
    byoc: Path
    python: Path
    home: Path  # cwd of every command: outside the repository

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.byoc), *args], cwd=cwd or self.home, env=outside_env(),
                              capture_output=True, text=True, timeout=timeout, check=False)


def outside_env() -> dict[str, str]:
    """This process's environment less what would lead a child back to the repository or the dev venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    dev_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != dev_bin)
    return env


def run(*command: str | Path, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=outside_env(), capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def launcher_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make dist` into a temporary folder: the byoc-processing wheel as released."""
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(["make", "--no-print-directory", "dist", f"DIST_DIR={outdir}"], cwd=REPO,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = sorted(outdir.glob("byoc_processing-*.whl"))
    assert len(wheels) == 1, f"make dist left {wheels} in {outdir}"
    return wheels[0]


def _install(how: str, wheel: Path, home: Path) -> Installed:
    for needed, target in ((WHEELHOUSE / ".complete", "make wheelhouse"), (PIPX, "make pipx")):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `{target}` (make test does)")
    local = home / wheel.name
    local.write_bytes(wheel.read_bytes())
    offline = ["--no-index", "--find-links", str(WHEELHOUSE)]
    if how == "venv":
        run(BASE_PYTHON, "-m", "venv", "venv", cwd=home)
        run(home / "venv/bin/pip", "install", "-q", *offline, f"./{local.name}", cwd=home)
        return Installed(how, home / "venv/bin/byoc", home / "venv/bin/python", home)
    env = {"PIPX_HOME": str(home / "pipx"), "PIPX_BIN_DIR": str(home / "bin"), "PIPX_MAN_DIR": str(home / "man")}
    result = subprocess.run([str(PIPX), "install", "--python", str(BASE_PYTHON), "--pip-args", " ".join(offline),
                             f"./{local.name}"], cwd=home, env={**outside_env(), **env}, capture_output=True,
                            text=True, timeout=900, check=False)
    assert result.returncode == 0, f"pipx install failed:\n{result.stdout}\n{result.stderr}"
    return Installed(how, home / "bin/byoc", home / "pipx/venvs/byoc-processing/bin/python", home)


_installs: dict[str, Installed] = {}


@pytest.fixture(scope="session")
def install(launcher_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Installed]:
    """`install("venv")`, `install("pipx")`: the wheel installed that way, once per session."""

    def installed(how: str) -> Installed:
        if how not in _installs:
            _installs[how] = _install(how, launcher_wheel, tmp_path_factory.mktemp(f"installed-{how}"))
        return _installs[how]

    return installed


@pytest.fixture(scope="session")
def images_to_remove() -> Iterator[list[str]]:
    """Tags a test made; untagged at the end of the session (their layers stay in the engine's cache)."""
    tags: list[str] = []
    yield tags
    client = docker.from_env()
    for tag in tags:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag)


def image_id(tag: str) -> str:
    return str(docker.from_env().images.get(tag).id)
