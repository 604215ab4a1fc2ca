"""hatchling's build hook for the byoc-processing wheel: the kit's files, so an installed `byoc` needs no clone.

Not part of the installed package (pyproject.toml excludes it): hatchling runs it while building a wheel.
It adds what the images' Dockerfiles read from their build context, under launcher/_kit/ (where
launcher/kit.py looks) and laid out as in the repository, so the Dockerfiles build unchanged from there:

    .dockerignore                  the context's filter, as in the repository
    containers/<image>/...         every folder with a Dockerfile, and offline-base.sh (the offline base)
    entrypoints/<package>/...      what the images copy: jobs, byoc_spark, spark_jobs (not the runtime's
                                   sources: its wheel stands in for them, as in the images)
    build/wheels/byoc_runtime-<version>-py3-none-any.whl
                                   built here, by the command and with the timestamp `make wheel` uses, so
                                   it is byte for byte the wheel a clone's `make build` puts in the images

An editable install (`make venv`) gets none of it: there launcher/kit.py reads the clone itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

KIT_FOLDER = "launcher/_kit"  # launcher/kit.py's PACKAGED_FOLDER
RUNTIME_PACKAGE = "byoc_runtime"
# The Makefile's RUNTIME_WHEEL recipe: the same timestamp makes the same bytes.
SOURCE_DATE_EPOCH = "315532800"


class KitFilesHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the images' build contexts and the runtime's wheel to a (non-editable) wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        self._scratch = Path(tempfile.mkdtemp(prefix="byoc-runtime-wheel-"))
        wheel = build_runtime_wheel(root / "entrypoints", self._scratch)
        included = {str(path): f"{KIT_FOLDER}/{path.relative_to(root).as_posix()}" for path in kit_files(root)}
        included[str(wheel)] = f"{KIT_FOLDER}/build/wheels/{wheel.name}"
        build_data["force_include"].update(included)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def kit_files(root: Path) -> list[Path]:
    """Every file the images' build context needs, in a stable order; no bytecode caches."""
    containers = root / "containers"
    folders = [d for d in sorted(containers.iterdir()) if (d / "Dockerfile").is_file()]
    folders += [d for d in sorted((root / "entrypoints").iterdir())
                if (d / "__init__.py").is_file() and d.name != RUNTIME_PACKAGE]
    files = [root / ".dockerignore", containers / "offline-base.sh"]
    for folder in folders:
        files += [p for p in sorted(folder.rglob("*"))
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return files


def build_runtime_wheel(entrypoints: Path, outdir: Path) -> Path:
    """The byoc-runtime wheel from entrypoints/pyproject.toml, exactly as `make wheel` builds it."""
    built = subprocess.run([sys.executable, "-m", "flit_core.wheel", "--outdir", str(outdir), str(entrypoints)],
                           env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}, capture_output=True,
                           text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"building the byoc-runtime wheel from {entrypoints} failed:\n{built.stderr}")
    (wheel,) = outdir.glob(f"{RUNTIME_PACKAGE}-*-py3-none-any.whl")
    return wheel
