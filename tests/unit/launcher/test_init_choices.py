"""`byoc init --from`: which bases are accepted, and what each puts in the Dockerfile."""

from __future__ import annotations

import pytest

from launcher.scaffold.bases import ScaffoldError, parse_base

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize("choice", ["base", "sklearn", "spark"])
def test_the_kits_images_need_no_wheel(choice: str) -> None:
    base = parse_base(choice)
    assert base.reference == f"byoc/{choice}:latest"
    assert not base.needs_wheel
    assert base.from_block().splitlines()[-1] == f"FROM byoc/{choice}:latest"
    assert base.flavour == ("spark" if choice == "spark" else "python")


def test_python_tag_installs_the_wheel_with_pip() -> None:
    base = parse_base("python:3.12-slim")
    block = base.from_block()
    assert base.reference == "python:3.12-slim" and base.needs_wheel and base.flavour == "python"
    assert block.splitlines()[0] == "FROM python:3.12-slim"
    assert "python3 -m pip install --no-cache-dir --no-index /tmp/wheels/byoc_runtime-*.whl" in block
    assert "zipfile" not in block  # python:* images have pip


@pytest.mark.parametrize("choice", ["nvidia/cuda:12.4.1-runtime-ubuntu22.04", "registry.example.com:5000/team/base:1.0",
                                    f"ubuntu@{DIGEST}", f"ubuntu:24.04@{DIGEST}", f"python@{DIGEST}"])
def test_any_image_with_a_tag_or_digest_gets_pip_or_the_unpacked_wheel(choice: str) -> None:
    base = parse_base(choice)
    block = base.from_block()
    assert base.reference == choice and base.needs_wheel and base.flavour == "python"
    assert block.splitlines()[0] == f"FROM {choice}"
    assert "USER root" in block
    assert "PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install" in block  # PEP 668 bases (Debian, Ubuntu)
    assert "python3 -m zipfile -e /tmp/wheels/byoc_runtime-*.whl" in block  # no pip at all


@pytest.mark.parametrize("choice", ["sklarn", "ubuntu", "python", "python:", "Python:3.12", "localhost:5000/base",
                                    "nvidia/cuda:", "a b:1", ""])
def test_a_bare_name_or_a_bad_reference_is_refused(choice: str) -> None:
    with pytest.raises(ScaffoldError, match=r"^unknown --from '.*': one of base, sklearn, spark \(the kit's images\)"):
        parse_base(choice)
