"""The byoc-processing wheel: the launcher, and the kit's files `byoc build` and `byoc init` need outside a clone."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from tests.runtime_wheel.conftest import make_wheel
from tests.tool.conftest import REPO

KIT = "launcher/_kit/"
SCRIPT = "launcher/cli/byoc.script"
# What the images' build context holds (.dockerignore), less the runtime's sources (its wheel stands in) and
# containers/engine.sh (it starts an engine; `byoc build` expects one).
CONTEXT = (".dockerignore", "containers/base", "containers/sklearn", "containers/spark", "containers/offline-base.sh",
           "entrypoints/jobs", "entrypoints/byoc_spark", "entrypoints/spark_jobs")


def tracked(*paths: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "--", *paths], cwd=REPO, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_the_wheel_carries_the_build_context_as_in_the_repository(launcher_wheel: Path, tmp_path: Path) -> None:
    runtime = make_wheel(tmp_path)
    with zipfile.ZipFile(launcher_wheel) as wheel:
        kit = sorted(n.removeprefix(KIT) for n in wheel.namelist() if n.startswith(KIT))
        assert kit == sorted([*tracked(*CONTEXT), f"build/wheels/{runtime.name}"])
        for name in tracked(*CONTEXT):
            assert wheel.read(KIT + name) == (REPO / name).read_bytes(), name
        # The very bytes `make wheel` writes, which the clone's images install.
        assert wheel.read(f"{KIT}build/wheels/{runtime.name}") == runtime.read_bytes()


def test_the_wheel_holds_the_launcher_and_its_templates_and_nothing_of_the_dev_set_up(launcher_wheel: Path) -> None:
    with zipfile.ZipFile(launcher_wheel) as wheel:
        names = wheel.namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"launcher", "byoc_processing-0.1.0.dist-info", "byoc_processing-0.1.0.data"}
    launcher = sorted(n for n in names if n.startswith("launcher/") and not n.startswith(KIT))
    assert launcher == sorted(n for n in tracked("launcher") if n not in ("launcher/hatch_build.py", SCRIPT))
    assert "launcher/scaffold/templates/common/Dockerfile" in launcher
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_byoc_is_the_kits_own_script_not_a_generated_wrapper(launcher_wheel: Path) -> None:
    """`byoc` is launcher/cli/byoc.script, executable, with the shebang installers rewrite (pip's generated
    wrappers import re first); no console-script entry point writes another over it."""
    with zipfile.ZipFile(launcher_wheel) as wheel:
        scripts = [info for info in wheel.infolist() if info.filename.startswith("byoc_processing-0.1.0.data/")]
        assert [info.filename for info in scripts] == ["byoc_processing-0.1.0.data/scripts/byoc"]
        body = wheel.read(scripts[0]).decode()
        entry_points = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert body.splitlines()[0] == "#!python"
    assert body.splitlines()[1:] == (REPO / SCRIPT).read_text().splitlines()[1:]
    assert [line for line in body.splitlines() if line.startswith(("import ", "from "))] == [
        "import sys", "from launcher.cli import main"]
    assert (scripts[0].external_attr >> 16) & 0o111 == 0o111
    assert entry_points == []


def test_make_dist_is_byte_identical_for_identical_sources(launcher_wheel: Path, tmp_path: Path) -> None:
    again = subprocess.run(["make", "--no-print-directory", "dist", f"DIST_DIR={tmp_path}"], cwd=REPO,
                           capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / launcher_wheel.name).read_bytes() == launcher_wheel.read_bytes()
