"""The byoc-runtime wheel itself: what it holds, its metadata, its version, and that it builds reproducibly."""

from __future__ import annotations

import ast
import email.parser
import sys
import zipfile
from pathlib import Path

from tests.runtime_wheel.conftest import REPO, kit_version, make_wheel, project_version

RUNTIME = REPO / "entrypoints" / "byoc_runtime"


def runtime_sources() -> list[Path]:
    return sorted(p for p in RUNTIME.iterdir() if p.suffix == ".py" or p.name == "py.typed")


def dist_info_file(wheel: zipfile.ZipFile, name: str) -> email.message.Message:
    (path,) = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return email.parser.Parser().parsestr(wheel.read(path).decode("utf-8"))


def test_the_runtime_is_released_with_the_kits_version() -> None:
    """Two pyproject files, one version: each stays readable on its own (a static PEP 621 version)."""
    runtime = project_version(REPO / "entrypoints" / "pyproject.toml")
    assert runtime == kit_version(), (
        f"entrypoints/pyproject.toml gives byoc-runtime {runtime}, pyproject.toml gives the kit {kit_version()}: "
        "change both versions together"
    )


def test_the_wheel_holds_the_runtime_and_nothing_else(runtime_wheel: Path) -> None:
    version = kit_version()
    assert runtime_wheel.name == f"byoc_runtime-{version}-py3-none-any.whl"
    with zipfile.ZipFile(runtime_wheel) as wheel:
        dist_info = f"byoc_runtime-{version}.dist-info/"
        package = sorted(n for n in wheel.namelist() if not n.startswith(dist_info))
        assert package == [f"byoc_runtime/{p.name}" for p in runtime_sources()]
        for path in runtime_sources():  # the source as it is now, not an older copy
            assert wheel.read(f"byoc_runtime/{path.name}") == path.read_bytes(), path.name
        metadata = dist_info_file(wheel, "METADATA")
        tags = dist_info_file(wheel, "WHEEL")
    assert metadata["Name"] == "byoc-runtime" and metadata["Version"] == version
    assert metadata["Requires-Python"] == ">=3.9"
    assert metadata.get_all("Requires-Dist") is None  # stdlib only
    assert tags["Root-Is-Purelib"] == "true" and tags.get_all("Tag") == ["py3-none-any"]


def test_the_runtime_imports_only_the_standard_library() -> None:
    """What the wheel can promise with no dependencies (imports only a type checker sees are not run)."""
    outside = {}
    for path in runtime_sources():
        if path.suffix != ".py":
            continue
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("__future__", "byoc_runtime"):
                    outside[f"{path.name}:{node.lineno}"] = name
    assert not outside, f"the runtime imports modules outside the standard library: {outside}"


def test_make_wheel_is_byte_identical_for_identical_sources(runtime_wheel: Path, tmp_path: Path) -> None:
    """The images' layer cache relies on it: rebuilding an unchanged runtime must not rebuild their layers."""
    again = make_wheel(tmp_path)
    assert again.read_bytes() == runtime_wheel.read_bytes()


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Import statements outside `if TYPE_CHECKING:` blocks, relative imports (the package's own) left out."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found
