"""A project `byoc init` makes passes `byoc check` with the job file its `make check` names, as made.

One project per template: the Python script (FROM the kit's base image) and the PySpark app (FROM the
spark image, checked with job-2.yaml: File mode on every host). The second is also the spark image's check
with a job: its rules about reads, a missing input and SIGTERM need one. The image is built by the project's own
`make build`; the check runs as `make check` runs it, with --json to read each rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import docker
import pytest

from tests.check.conftest import check, results

BYOC = Path(sys.executable).parent / "byoc"
DOCKER = "/usr/bin/docker"  # BuildKit, for the project's `docker build --platform linux/amd64`
RULES = ("platform", "exec-entrypoint", "sigterm", "output-user", "exits-one-host", "exits-two-hosts",
         "reads-local-paths", "writes-local-paths", "missing-input-message", "image-size", "no-secrets")


# The script's job ends by itself before the check's SIGTERM reaches it; the Spark app's is still running.
@pytest.mark.parametrize(("base", "job", "not_passed"), [("base", "job.yaml", {"sigterm": "n/a"}),
                                                         ("spark", "job-2.yaml", {})], ids=["base", "spark"])
def test_a_new_project_passes_the_check_its_makefile_runs(base: str, job: str, not_passed: dict[str, str],
                                                          tmp_path: Path) -> None:
    name = f"checked-{base}-{uuid.uuid4().hex[:8]}"
    made = subprocess.run([str(BYOC), "init", name, "--from", base], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    project = tmp_path / name
    assert f"$(BYOC) check $(IMAGE) --job {job}" in (project / "Makefile").read_text()
    built = subprocess.run(["make", "build", f"BYOC={BYOC}", f"DOCKER={DOCKER}"], cwd=project, capture_output=True,
                           text=True, timeout=900, check=False, env={**os.environ, "DOCKER_BUILDKIT": "1"})
    try:
        assert built.returncode == 0, built.stdout + built.stderr
        # Four Spark jobs, the 2-host one a cluster over two containers: 15 min measured on a loaded 2-core machine.
        code, report, stderr = check(tmp_path, f"{name}:latest", "--job", str(project / job), timeout=2400)
    finally:
        docker.from_env().images.remove(f"{name}:latest", force=True)
    found = results(report)
    assert code == 0 and report["passed"], stderr + str(found)
    assert sorted(found) == sorted(RULES)
    assert {rule: verdict for rule, (verdict, _, _) in found.items() if verdict != "pass"} == not_passed
    if "sigterm" not in not_passed:
        assert found["sigterm"][1].startswith("exited with code 143 ")
    assert not (project / "output").exists(), "the check must not write to the job's own destinations"
