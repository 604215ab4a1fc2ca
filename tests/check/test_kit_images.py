"""The kit's own images pass `byoc check`: with their default command, and running an example's job.

With its default command (`help`) an image reads no input and ends at once, so the rules about reads, a
missing input and SIGTERM do not apply there (and say so); a job exercises them: here the sklearn image's
with an example's, and the spark image's with the PySpark app of a `byoc init` project, which is that image
plus the app (tests/check/test_init_project.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check.conftest import check, results
from tests.containers.conftest import image_tag

NOT_APPLICABLE_BY_DEFAULT = {"sigterm", "reads-local-paths", "missing-input-message"}


@pytest.mark.parametrize("name", ["base", "sklearn", "spark"])
def test_the_kit_images_pass_with_their_default_command(name: str, tmp_path: Path) -> None:
    code, report, stderr = check(tmp_path, image_tag(name))
    found = results(report)
    assert code == 0 and report["passed"], stderr
    assert {rule for rule, (verdict, _, _) in found.items() if verdict != "pass"} == NOT_APPLICABLE_BY_DEFAULT
    assert found["sigterm"][1].startswith("the image's default command ended by itself")


def test_the_sklearn_image_passes_every_rule_with_an_example_job(examples: Path, tmp_path: Path) -> None:
    code, report, stderr = check(tmp_path, image_tag("sklearn"), "--job", str(examples / "sklearn-processor.yaml"),
                                 timeout=1200)
    found = results(report)
    assert code == 0 and report["passed"], stderr
    assert {rule: verdict for rule, (verdict, _, _) in found.items() if verdict != "pass"} == {}
    assert found["sigterm"][1].startswith("exited with code 143 ")
    assert not (examples / "output").exists(), "the check must not write to the job's own destinations"
