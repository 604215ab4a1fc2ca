"""Every example job file runs locally from a copy of examples/, and its outputs are checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.job_logs import alarming_host_lines, alarming_lines
from tests.jobs.reference_pca import reference_pca
from tests.launcher.conftest import byoc, nothing_left_behind  # noqa: F401 - autouse: no containers left

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_example(examples: Path, name: str, tmp_path: Path) -> None:
    result = byoc("run", str(examples / f"{name}.yaml"), "--quiet", "--jobs-dir", str(tmp_path / "jobs"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "status     Completed" in result.stdout
    # What the user reads of a successful example: no ERROR line, exception or stack trace anywhere.
    assert not alarming_lines(result.stdout + result.stderr)
    assert not alarming_host_lines(tmp_path / "jobs")


def test_pca_ecg_shards_8_recordings_over_4_hosts_and_matches_plain_pandas(examples: Path, tmp_path: Path) -> None:
    run_example(examples, "pca-ecg", tmp_path)
    out = examples / "output/pca-ecg"
    recordings = sorted((examples / "data/ecg").glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(f"pca_{p.name}" for p in recordings)
    for recording in recordings:
        expected = tmp_path / f"expected_{recording.name}"
        reference_pca(recording, expected, 4)
        ours = np.loadtxt(out / f"pca_{recording.name}", delimiter=",")
        assert ours.shape == (5000, 4)
        assert np.abs(ours - np.loadtxt(expected, delimiter=",")).max() <= 1e-9
    assert (out / "pca_ecg-0.png").read_bytes()[:8] == PNG_SIGNATURE
    logs = sorted((tmp_path / "jobs").glob("*/hosts/*/log.txt"))
    assert [log.parent.name for log in logs] == ["algo-1", "algo-2", "algo-3", "algo-4"]
    assert all(log.read_text().count("pca_ecg: ecg/") == 2 for log in logs), "each host gets 2 of the 8 recordings"


@pytest.mark.parametrize("name", ["base-processor", "script-processor", "sklearn-processor"])
def test_house_price_processors_split_60_20_20_with_price_first(examples: Path, tmp_path: Path, name: str) -> None:
    run_example(examples, name, tmp_path)
    prefix = name.split("-")[0]
    sizes = {}
    for split in ("train", "validation", "test"):
        frame = pd.read_csv(examples / f"output/{name}/{split}/{prefix}_{split}.csv")
        assert frame.columns[0] == "PRICE"
        sizes[split] = len(frame)
    assert sizes == {"train": 600, "validation": 200, "test": 200}


def test_the_built_in_job_and_the_user_script_agree(examples: Path, tmp_path: Path) -> None:
    for name in ("script-processor", "sklearn-processor"):
        if not (examples / f"output/{name}").exists():
            run_example(examples, name, tmp_path / name)
    script = pd.read_csv(examples / "output/script-processor/train/script_train.csv")
    built_in = pd.read_csv(examples / "output/sklearn-processor/train/sklearn_train.csv")
    assert list(script.columns) == list(built_in.columns)
    assert np.abs(script.to_numpy() - built_in.to_numpy()).max() <= 1e-9


def test_pyspark_processor_keeps_us_reviews_in_4_columns_across_2_hosts(examples: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    run_example(examples, "pyspark-processor", tmp_path)
    table = pq.read_table(examples / "output/pyspark-processor/clean")
    assert table.num_columns == 4 and table.num_rows == 199  # the committed sample: 300 reviews, 199 from the US
    assert set(table.column("marketplace").to_pylist()) == {"US"}
    assert list((examples / "output/pyspark-processor/spark-events").iterdir()), "the Continuous event log"


@pytest.mark.parametrize("name", ["pca-ecg-8", "pca-ecg-8-pipe"])
def test_pca_ecg_on_8_instances_file_and_pipe_give_one_recording_per_host(examples: Path, tmp_path: Path,
                                                                         name: str) -> None:
    run_example(examples, name, tmp_path)
    logs = sorted((tmp_path / "jobs").glob("*/hosts/*/log.txt"))
    assert len(logs) == 8 and all(log.read_text().count("pca_ecg: ecg/") == 1 for log in logs)
    recordings = sorted((examples / "data/ecg").glob("*.csv"))
    for recording in recordings:
        expected = tmp_path / f"expected_{recording.name}"
        reference_pca(recording, expected, 4)
        ours = np.loadtxt(examples / f"output/{name}/pca_{recording.name}", delimiter=",")
        assert np.abs(ours - np.loadtxt(expected, delimiter=",")).max() <= 1e-9
