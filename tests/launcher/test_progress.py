"""`byoc run` shows each input's staging and each output's upload as it goes: here off a terminal, one line
per tenth, from the counts the job's supervisor (another process) publishes in its record."""

from __future__ import annotations

import re
from pathlib import Path

from launcher.local import record as records
from tests.launcher.conftest import SCRIPTS, byoc

LINE = re.compile(r"^(staging input|uploading output) (\w+): (\d+)% \(.* of (.*), (\d+)/(\d+) objects\)$")


def test_byoc_run_prints_staging_and_upload_progress_by_tenths(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(4):
        (data / f"part-{i}.bin").write_bytes(bytes([i]) * (3 << 20))
    job = tmp_path / "job.yaml"
    job.write_text(f"image_uri: byoc/base:latest\ninstance_count: 2\ncode: {SCRIPTS / 'behave.py'}\n"
                   'command: [python3]\narguments: ["--write", "out", "--files", "30"]\n'
                   f"inputs:\n  - source: {data}\n    destination: /opt/ml/processing/input/data\n"
                   "    input_name: data\n"
                   f"outputs:\n  - source: /opt/ml/processing/output/out\n    destination: {tmp_path / 'out'}\n"
                   "    output_name: out\n")
    result = byoc("run", str(job), "--jobs-dir", str(tmp_path / "jobs"), "--quiet")
    assert result.returncode == 0, result.stderr
    lines = [m.groups() for m in map(LINE.match, result.stderr.splitlines()) if m]
    staged = [(int(pct), int(done), int(total)) for kind, name, pct, _, done, total in lines if name == "data"]
    uploaded = [(int(pct), int(done), int(total)) for kind, name, pct, _, done, total in lines if name == "out"]
    assert staged[-1] == (100, 4, 4) and uploaded[-1] == (100, 32, 32), result.stderr  # 30 + one report per host
    for seen in (staged, uploaded):
        percents = [pct for pct, _, _ in seen]
        assert percents == sorted(set(percents)) and all(pct % 10 == 0 for pct in percents), result.stderr
    [folder] = [p.parent for p in (tmp_path / "jobs").glob("*/job.json")]
    record = records.load(folder / "job.json")
    [out] = record.outputs
    assert out.uploaded == out.total == 32
    assert out.uploaded_bytes == out.total_bytes == sum(p.stat().st_size for p in (tmp_path / "out").iterdir())
    data_input = next(i for i in record.inputs if i.name == "data")
    assert (data_input.staged, data_input.staged_bytes) == (4, 4 * (3 << 20))
