"""`byoc` installed from its wheel (a venv, pipx) with no clone: it builds the kit's images and runs a job.

The images it builds are the images a clone's `make build` builds: one recipe (launcher/build.py) on the
same files makes the same image, layer for layer, to the image id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from launcher.local.cluster import LABEL_JOB
from tests.tool.conftest import REPO, SESSION, Installed, image_id, run

PREFIX = "byoc-test"
HOWS = ("venv", "pipx")
BUILDS = [("venv", "base"), ("venv", "sklearn"), ("venv", "spark"), ("pipx", "base")]
_built: dict[tuple[str, str], str] = {}


def built(install: Callable[[str], Installed], how: str, image: str, images_to_remove: list[str]) -> str:
    """`byoc build IMAGE` with the wheel installed `how` ("clone": `make build/IMAGE` here), once per session."""
    if (how, image) not in _built:
        tag = f"{how}-{SESSION}"
        if how == "clone":
            run("make", "--no-print-directory", f"build/{image}", f"IMAGE_PREFIX={PREFIX}", f"TAG={tag}", cwd=REPO,
                timeout=3600)
        else:
            result = install(how).run("build", image, "--image-prefix", PREFIX, "--tag", tag, timeout=3600)
            assert result.returncode == 0, result.stderr
            assert result.stdout.splitlines() == [f"{PREFIX}/{image}:{tag}"]  # stdout: the names built
        images_to_remove.append(f"{PREFIX}/{image}:{tag}")
        _built[how, image] = f"{PREFIX}/{image}:{tag}"
    return _built[how, image]


@pytest.fixture
def jobs_dir(tmp_path: Path) -> Iterator[Path]:
    """Job folders of this test; none of its jobs' containers or networks may outlive it."""
    folder = tmp_path / "jobs"
    yield folder
    client = docker.from_env()
    for name in sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []:
        selector = {"label": f"{LABEL_JOB}={name}"}
        left = client.containers.list(all=True, filters=selector) + client.networks.list(filters=selector)
        assert not left, f"job {name} left behind {left}"


@pytest.mark.parametrize("how", HOWS)
def test_the_installed_byoc_runs_from_its_own_files_with_no_clone_in_sight(
    how: str, install: Callable[[str], Installed]
) -> None:
    installed = install(how)
    probe = ("import json, sys, launcher\nfrom launcher.kit import locate\nkit = locate()\n"
             "print(json.dumps({'launcher': launcher.__file__, 'kit': str(kit.root), 'installed': kit.installed, "
             "'wheel': str(kit.runtime_wheel()), 'path': sys.path}))")
    seen = json.loads(run(installed.python, "-c", probe, cwd=installed.home).stdout)

    assert seen["installed"] is True
    home = installed.home.resolve()
    assert not home.is_relative_to(REPO)
    for key in ("launcher", "kit", "wheel"):
        assert Path(seen[key]).resolve().is_relative_to(home), (key, seen[key])
    assert [p for p in seen["path"] if p and Path(p).resolve().is_relative_to(REPO)] == []


@pytest.mark.parametrize(("how", "image"), BUILDS, ids=[f"{how}-{image}" for how, image in BUILDS])
def test_byoc_build_makes_the_very_image_make_build_makes(
    how: str, image: str, install: Callable[[str], Installed], images_to_remove: list[str]
) -> None:
    tool = built(install, how, image, images_to_remove)
    clone = built(install, "clone", image, images_to_remove)

    assert image_id(tool) == image_id(clone)


@pytest.mark.parametrize("how", HOWS)
def test_a_job_runs_on_two_instances_with_the_installed_byoc_and_the_image_it_built(
    how: str, install: Callable[[str], Installed], images_to_remove: list[str], tmp_path: Path, jobs_dir: Path
) -> None:
    image = built(install, how, "base", images_to_remove)
    for i in range(3):
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / f"part-{i}.csv").write_text(f"id,value\n{i},{i * i}\n")
    (tmp_path / "job.yaml").write_text(
        f"base_job_name: tool-{how}\nimage_uri: {image}\ninstance_count: 2\narguments: [inventory, --output, report]\n"
        "inputs:\n  - {input_name: data, source: data, destination: /opt/ml/processing/input/data,\n"
        "     s3_data_distribution_type: ShardedByS3Key}\n"
        "outputs:\n  - {output_name: report, source: /opt/ml/processing/output/report, destination: out}\n")

    result = install(how).run("run", "job.yaml", "--jobs-dir", str(jobs_dir), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "status     Completed" in result.stdout
    reports = {host: json.loads((tmp_path / "out" / f"{host}.json").read_text()) for host in ("algo-1", "algo-2")}
    assert {host: sorted(r["channels"]["data"]) for host, r in reports.items()} == {
        "algo-1": ["part-0.csv", "part-2.csv"], "algo-2": ["part-1.csv"]}  # sharded, as on SageMaker


def test_byoc_build_refuses_an_unknown_image(install: Callable[[str], Installed]) -> None:
    result = install("venv").run("build", "base", "sklarn")

    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown image 'sklarn': the kit's images are base, sklearn, spark"


def test_a_base_image_that_cannot_be_pulled_fails_the_build_and_says_so(install: Callable[[str], Installed]) -> None:
    base = "127.0.0.1:9/byoc-test/no-such-base:1"  # a registry on this machine where nothing listens
    result = install("venv").run("build", "base", "--base-image", base, "--image-prefix", PREFIX,
                                 "--tag", f"no-base-{SESSION}")

    assert result.returncode == 1
    assert f"byoc: the base image {base} is not in the local engine: docker pulls it" in result.stderr
    assert result.stderr.strip().endswith(
        f"error: docker build of {PREFIX}/base:no-base-{SESSION} failed (exit 1): its output is above")
