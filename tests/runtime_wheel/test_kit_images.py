"""The kit's own images run the runtime installed from this source's wheel, not a copy of the folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.containers.conftest import image_tag
from tests.runtime_wheel.conftest import DOCKER, kit_version

# Prints where byoc_runtime was imported from, its installed version (None: not installed as a
# distribution), and a digest of each of its files.
REPORT = """
import byoc_runtime, hashlib, importlib.metadata, json, os, pathlib
package = pathlib.Path(byoc_runtime.__file__).parent
try:
    version = importlib.metadata.version("byoc-runtime")
except importlib.metadata.PackageNotFoundError:
    version = None
print(json.dumps({
    "package": str(package),
    "version": version,
    "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in package.iterdir() if p.is_file()},
    "copied": os.path.exists("/opt/byoc/byoc_runtime"),
}))
"""


@pytest.mark.parametrize("name", ["base", "sklearn", "spark"])
def test_the_image_holds_exactly_the_wheel_of_this_source(name: str, runtime_wheel: Path) -> None:
    result = subprocess.run([DOCKER, "run", "--rm", "--network", "none", "--entrypoint", "python3", image_tag(name),
                             "-c", REPORT], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    with zipfile.ZipFile(runtime_wheel) as wheel:
        expected = {n.removeprefix("byoc_runtime/"): hashlib.sha256(wheel.read(n)).hexdigest()
                    for n in wheel.namelist() if n.startswith("byoc_runtime/")}
    rebuild = f"byoc/{name} holds another runtime than this source's wheel: run `make build/{name}`"
    assert seen["files"] == expected, rebuild
    assert seen["version"] == kit_version(), rebuild
    assert not seen["copied"], rebuild
    venv = name in ("sklearn", "spark")  # pip-installed into the image's venv; base: unpacked, it has no pip
    site = "/opt/venv/lib/python3.11/site-packages" if venv else "/usr/local/lib/python3.11/dist-packages"
    assert seen["package"] == f"{site}/byoc_runtime"
