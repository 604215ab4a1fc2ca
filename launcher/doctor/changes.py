"""When what an image is built from last changed: its Dockerfile, the files it copies (`COPY`, `ADD`) and
the files its `RUN --mount=type=bind,source=...` steps read.

A file tracked by git and unmodified changed when its last commit did (a checkout sets modification
times to the moment of the checkout, which says nothing); a modified, untracked or generated file
(build/wheels/) changed at its modification time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(?P<args>.+)$", re.IGNORECASE)
_BIND_SOURCE = re.compile(r"--mount=type=bind,(?:[^\s]*,)?source=(?P<source>[^,\s]+)")


def build_inputs(dockerfile: Path, context: Path) -> list[Path]:
    """The Dockerfile and every existing file it copies or bind-mounts from the build context."""
    found = [dockerfile]
    for source in _sources(dockerfile.read_text(encoding="utf-8")):
        found.extend(_files(context / source))
    return sorted(set(found))


def last_change(files: list[Path], repo: Path) -> tuple[datetime, Path]:
    """The latest change among `files` and the file it was."""
    times = {path: path.stat().st_mtime for path in files}
    committed = _committed(files, repo)
    times.update(committed)
    path = max(times, key=lambda p: (times[p], str(p)))
    return datetime.fromtimestamp(times[path], UTC), path


def _committed(files: list[Path], repo: Path) -> dict[Path, float]:
    """For tracked, unmodified files: the time of the last commit that changed each (one `git log` walk)."""
    git = shutil.which("git")
    if git is None or not (repo / ".git").exists():
        return {}
    relative = [str(path.relative_to(repo)) for path in files if path.is_relative_to(repo)]

    def output(*args: str) -> str:
        result = subprocess.run([git, "-C", str(repo), *args, "--", *relative], capture_output=True, text=True,
                                check=False)
        return result.stdout if result.returncode == 0 else ""

    tracked = set(output("ls-files").splitlines())
    modified = {line[3:] for line in output("status", "--porcelain").splitlines()}
    clean = tracked - modified
    found: dict[Path, float] = {}
    stamp = 0.0
    for line in output("log", "--format=%x00%ct", "--name-only").splitlines():
        if line.startswith("\x00"):
            stamp = float(line[1:])
        elif line in clean and repo / line not in found:
            found[repo / line] = stamp
    return found


def _sources(dockerfile: str) -> Iterator[str]:
    text = re.sub(r"\\\n", " ", dockerfile)
    for line in text.splitlines():
        yield from (match.group("source") for match in _BIND_SOURCE.finditer(line))
        copy = _COPY.match(line)
        if copy is not None:
            words = [word for word in copy.group("args").split() if not word.startswith("--")]
            yield from words[:-1]


def _files(path: Path) -> Iterator[Path]:
    if "*" in path.name:
        for match in path.parent.glob(path.name):
            yield from _files(match)
    elif path.is_file():
        yield path
    elif path.is_dir():
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            yield from (Path(folder) / name for name in names if not name.endswith(".pyc"))
