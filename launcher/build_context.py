"""What one of the kit's images is built from, as a digest the image carries (label `byoc.context`).

The files are the Dockerfile, those its `COPY`/`ADD` lines copy and those its `RUN --mount=type=bind,source=...`
steps read, from the kit's build context (launcher/kit.py). `byoc build` (and so `make build`) labels each
image with their digest; `byoc doctor` computes it again and compares: an image is stale exactly when what
it would be built from now differs from what it was built from. Times cannot tell this: a build served from
the engine's cache keeps its old creation time, and the runtime's wheel is rewritten, byte-identical, on
every `make build`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

CONTEXT_LABEL = "byoc.context"
_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(?P<args>.+)$", re.IGNORECASE)
_BIND_SOURCE = re.compile(r"--mount=type=bind,(?:[^\s]*,)?source=(?P<source>[^,\s]+)")


def build_inputs(dockerfile: Path, context: Path) -> list[Path]:
    """The Dockerfile and every existing file it copies or bind-mounts from the build context."""
    found = [dockerfile]
    for source in _sources(dockerfile.read_text(encoding="utf-8")):
        found.extend(_files(context / source))
    return sorted(set(found))


def context_digest(dockerfile: Path, context: Path) -> str:
    """sha256 over each input's path (relative to the context) and content."""
    digest = hashlib.sha256()
    for path in build_inputs(dockerfile, context):
        name = path.relative_to(context).as_posix() if path.is_relative_to(context) else path.name
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return f"sha256:{digest.hexdigest()}"


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
