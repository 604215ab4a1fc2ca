from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mltree import MlTree

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path: Path) -> MlTree:
    root = tmp_path / "opt" / "ml"
    root.mkdir(parents=True)
    return MlTree(root)


def runtime_env(tree: MlTree) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "entrypoints"), "BYOC_ML_ROOT": str(tree.root)}


def run_module(tree: MlTree, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m byoc_runtime ARGS` against the tree, as the image's ENTRYPOINT would run it."""
    return subprocess.run(
        [sys.executable, "-m", "byoc_runtime", *args],
        env=runtime_env(tree),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_script(tree: MlTree, source: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A user script (ContainerEntrypoint style) that calls byoc_runtime.run(main)."""
    script = tree.root.parent / "script.py"
    script.write_text(source)
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=runtime_env(tree),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
