"""`byoc check` as a user reads it: the table, exit codes, errors that name what is wrong."""

from __future__ import annotations

import os
from pathlib import Path

from tests.check.conftest import BrokenImages, check_containers
from tests.containers.conftest import image_tag
from tests.launcher.conftest import byoc
from tests.launcher.remote_engine import RemoteEngine


def test_the_table_prints_what_was_seen_as_written_and_exits_0(broken: BrokenImages, tmp_path: Path) -> None:
    before = check_containers()
    result = byoc("check", broken("markup"), "--grace", "3", env={"COLUMNS": "250", "TMPDIR": str(tmp_path)},
                  timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"byoc check {broken('markup')}  (the image's own command, sample inputs)"
    entrypoint = next(line for line in lines if line.startswith("exec-entrypoint"))
    assert entrypoint.split() == ["exec-entrypoint", "pass", "ENTRYPOINT", '["python3",', '"/opt/job.py",',
                                  '"--label",', '"[bold]red[/]"]']
    assert [line.split()[0] for line in lines[3:14]] == [
        "platform", "exec-entrypoint", "sigterm", "output-user", "exits-one-host", "exits-two-hosts",
        "reads-local-paths", "writes-local-paths", "missing-input-message", "image-size", "no-secrets"]
    assert lines[-1] == "no rule fails; 11 pass, 0 do not apply or could not be checked"
    assert "check: running the job on 1 host, on 2 hosts, and on 1 host stopped with SIGTERM, at once" in result.stderr
    assert check_containers() == before
    assert not os.listdir(tmp_path)


def test_a_missing_image_is_a_backend_error(tmp_path: Path) -> None:
    result = byoc("check", "byoc-test/no-such-image:1")
    assert result.returncode == 3
    assert result.stderr.strip().startswith("error: image 'byoc-test/no-such-image:1' is not in the local Docker "
                                            "engine")


def test_a_bad_job_file_names_its_line(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("image_uri: x\ninstance_count: 0\n")
    result = byoc("check", "byoc-test/no-such-image:1", "--job", str(job))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: {job}:2: instance_count: 0 is out of range: the service allows 1 to "
                                     "100")


def test_an_engine_that_needs_volume_staging_is_refused_before_anything_runs(second_engine: RemoteEngine,
                                                                             tmp_path: Path) -> None:
    """The check sees a job through bind-mounted folders of this machine: volume staging would hide it all."""
    result = byoc("check", image_tag("base"), env={"DOCKER_HOST": second_engine.url, "TMPDIR": str(tmp_path)})
    assert result.returncode == 3, result.stdout + result.stderr
    error = result.stderr.strip()
    assert error.startswith("error: byoc check watches each host's /opt/ml from this machine"), error
    assert "volume staging is not supported" in error
    assert f"DOCKER_HOST={second_engine.url}" in error and "does not run on this machine's kernel" in error
    assert "unset DOCKER_HOST" in error
    assert result.stdout == ""
    assert second_engine.client.containers.list(all=True) == []
    assert not os.listdir(tmp_path)
