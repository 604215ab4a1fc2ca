"""process_data run as a process: the blog's split and scaling, file names, and bad input messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd  # no stubs; see pyproject ignore list
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tests.jobs.conftest import configure, run_job
from tests.mltree import MlTree

RAW = "/opt/ml/processing/input/raw"
OUTPUTS = {split: f"/opt/ml/processing/output/{split}" for split in ("train", "validation", "test")}
COLUMNS = ["CRIM", "ZN", "INDUS", "PRICE", "NOX", "RM"]  # target in the middle: the job moves it first
FEATURES = [c for c in COLUMNS if c != "PRICE"]


def housing(rows: int = 100, seed: int = 0) -> pd.DataFrame:
    """Boston-housing-like columns on very different scales, so an unscaled feature would show."""
    rng = np.random.default_rng(seed)
    data = {
        "CRIM": rng.exponential(3.0, rows),
        "ZN": rng.choice([0.0, 12.5, 25.0, 80.0], rows),
        "INDUS": rng.uniform(0.5, 27.0, rows),
        "NOX": rng.uniform(0.38, 0.87, rows),
        "RM": rng.normal(6.3, 0.7, rows),
    }
    price = 5.0 * data["RM"] - 0.3 * data["CRIM"] - 10.0 * data["NOX"] + rng.normal(0.0, 2.0, rows)
    return pd.DataFrame({**data, "PRICE": price})[COLUMNS]


def write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def blog_splits(frame: pd.DataFrame, target: str = "PRICE") -> dict[str, pd.DataFrame]:
    """The blog's pandas version, the job's specification."""
    frame = frame[[target] + [c for c in frame.columns if c != target]]
    features = [c for c in frame.columns if c != target]
    train, rest = train_test_split(frame, test_size=0.4, random_state=42)
    validation, test = train_test_split(rest, test_size=0.5, random_state=42)
    scaler = StandardScaler().fit(train[features])
    parts = {"train": train, "validation": validation, "test": test}
    return {name: part.assign(**dict(zip(features, scaler.transform(part[features]).T, strict=True)))
            for name, part in parts.items()}


def outputs(tree: MlTree, name: str = "data", suffix: str = "") -> dict[str, pd.DataFrame]:
    return {split: pd.read_csv(tree.path(folder) / f"{name}_{split}{suffix}.csv") for split, folder in OUTPUTS.items()}


def configured(tree: MlTree, hosts: tuple[str, ...] = ("algo-1",), current_host: str = "algo-1",
               distribution: str = "FullyReplicated") -> Path:
    configure(tree, inputs={"code": "/opt/ml/processing/input/code", "raw": RAW}, outputs=OUTPUTS, hosts=hosts,
              current_host=current_host, distribution=distribution)
    return tree.path(RAW)


def test_splits_60_20_20_target_first_scaled_on_train(tree: MlTree) -> None:
    write(housing(), configured(tree) / "housing.csv")

    run = run_job(tree, "process_data", env={"PROCESSOR": "sklearn"})

    assert run.returncode == 0, run.stderr
    assert run.message is None
    parts = outputs(tree, "sklearn")
    assert {name: len(part) for name, part in parts.items()} == {"train": 60, "validation": 20, "test": 20}
    for part in parts.values():
        assert list(part.columns) == ["PRICE", *FEATURES]
    train, validation = parts["train"][FEATURES], parts["validation"][FEATURES]
    np.testing.assert_allclose(train.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(train.std(ddof=0), 1.0, rtol=1e-12)
    assert np.abs(validation.mean()).max() > 0.01  # scaled with train's statistics, not its own
    assert np.abs(validation.std(ddof=0) - 1.0).max() > 0.01
    # The target is moved, never scaled: together the parts hold exactly the original prices.
    prices = np.sort(np.concatenate([part["PRICE"].to_numpy() for part in parts.values()]))
    np.testing.assert_array_equal(prices, np.sort(housing()["PRICE"].to_numpy()))


def test_equals_the_blogs_pandas_version(tree: MlTree) -> None:
    frame = housing(rows=137, seed=5)
    write(frame, configured(tree) / "housing.csv")

    assert run_job(tree, "process_data").returncode == 0

    for name, part in outputs(tree).items():
        expected = blog_splits(frame)[name]
        np.testing.assert_array_equal(part["PRICE"], expected["PRICE"])  # same rows, same order
        np.testing.assert_allclose(part[FEATURES], expected[FEATURES], rtol=0, atol=1e-12)


def test_several_csvs_are_concatenated_in_name_order(tree: MlTree) -> None:
    frame = housing()
    raw = configured(tree)
    write(frame.iloc[60:], raw / "part-2.csv")
    write(frame.iloc[:30], raw / "part-1.csv")
    write(frame.iloc[30:60], raw / "more" / "part-0.csv")  # sorted by path below the channel: "more/" first

    assert run_job(tree, "process_data").returncode == 0

    ordered = pd.concat([frame.iloc[30:60], frame.iloc[:30], frame.iloc[60:]], ignore_index=True)
    for name, part in outputs(tree).items():
        np.testing.assert_array_equal(part["PRICE"], blog_splits(ordered)[name]["PRICE"])


@pytest.mark.parametrize(
    ("env", "args", "prefix"),
    [({}, [], "data"), ({"PROCESSOR": "xgb"}, [], "xgb"), ({"PROCESSOR": "xgb"}, ["--prefix", "mine"], "mine")],
)
def test_file_prefix(tree: MlTree, env: dict[str, str], args: list[str], prefix: str) -> None:
    write(housing(), configured(tree) / "housing.csv")

    run = run_job(tree, "process_data", *args, env=env)

    assert run.returncode == 0, run.stderr
    for split, folder in OUTPUTS.items():
        assert [p.name for p in tree.path(folder).iterdir()] == [f"{prefix}_{split}.csv"]


def test_target_option(tree: MlTree) -> None:
    write(housing(), configured(tree) / "housing.csv")

    assert run_job(tree, "process_data", "--target", "RM").returncode == 0

    train = outputs(tree)["train"]
    assert list(train.columns) == ["RM", "CRIM", "ZN", "INDUS", "PRICE", "NOX"]
    np.testing.assert_allclose(train["PRICE"].mean(), 0.0, atol=1e-12)


def test_default_mode_without_config_files(tree: MlTree) -> None:
    write(housing(), tree.path(RAW) / "housing.csv")

    run = run_job(tree, "process_data")

    assert run.returncode == 0, run.stderr
    assert {name: len(part) for name, part in outputs(tree).items()} == {"train": 60, "validation": 20, "test": 20}


@pytest.mark.parametrize(("distribution", "suffix"), [("ShardedByS3Key", "_algo-2"), ("FullyReplicated", "")])
def test_hosts_reading_different_shards_name_files_by_host(tree: MlTree, distribution: str, suffix: str) -> None:
    raw = configured(tree, hosts=("algo-1", "algo-2"), current_host="algo-2", distribution=distribution)
    write(housing(), raw / "housing.csv")

    run = run_job(tree, "process_data")

    assert run.returncode == 0, run.stderr
    assert (tree.path(OUTPUTS["train"]) / f"data_train{suffix}.csv").is_file()


CSV = "CRIM,PRICE,RM\n0.1,24.0,6.5\n0.2,21.6,6.4\n0.3,34.7,7.2\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param({"a.csv": CSV, "b.csv": "CRIM,RM\n0.1,6.5\n"},
                     ", file 'b.csv': has no target column 'PRICE' (--target); its columns are: CRIM, RM",
                     id="missing-target"),
        pytest.param({"a.csv": CSV + "0.4,22.0,six\n"},
                     ", file 'a.csv' line 5: column 'RM' has a non-numeric value 'six'", id="non-numeric"),
        pytest.param({"a.csv": CSV, "b.csv": ""}, ", file 'b.csv': the file is empty (no header line)", id="empty"),
        pytest.param({"a.csv": "CRIM,PRICE,RM\n"}, ", file 'a.csv': has a header but no data rows", id="header-only"),
        pytest.param({"a.csv": CSV, "b.csv": "RM,PRICE,CRIM\n6.5,24.0,0.1\n"},
                     ", file 'b.csv': its columns (RM, PRICE, CRIM) differ from those of 'a.csv' (CRIM, PRICE, RM); "
                     "every CSV in the channel needs the same header", id="other-header"),
        pytest.param({"a.csv": "CRIM,PRICE,CRIM\n1,2,3\n"},
                     ", file 'a.csv': column names must be unique; repeated: CRIM", id="repeated-column"),
        pytest.param({"a.csv": "PRICE\n1\n2\n3\n"},
                     ", file 'a.csv': has only the target column 'PRICE'; there are no features to scale",
                     id="target-only"),
        pytest.param({"a.csv": CSV.rsplit("\n", 2)[0] + "\n"},
                     ", file 'a.csv': has 2 data rows; a 60/20/20 split needs at least 3", id="too-few-rows"),
        pytest.param({"a.csv": CSV + "0.4,22.0,-inf\n"},
                     ", file 'a.csv' line 5: column 'RM' has an infinite value", id="infinite"),
        pytest.param({"notes.txt": "x"}, f": no CSV file (*.csv) in its LocalPath {RAW}; it holds: notes.txt",
                     id="no-csv"),
    ],
)
def test_bad_input_is_an_input_error(tree: MlTree, files: dict[str, str], message: str) -> None:
    raw = configured(tree)
    for name, content in files.items():
        (raw / name).write_text(content)

    run = run_job(tree, "process_data")

    assert run.returncode == 4, run.stderr
    assert run.message == f"InputError: channel 'raw'{message}"


def test_prefix_must_not_name_a_folder(tree: MlTree) -> None:
    write(housing(), configured(tree) / "housing.csv")

    run = run_job(tree, "process_data", env={"PROCESSOR": "a/b"})

    assert run.returncode == 2
    assert run.message == "UsageError: $PROCESSOR 'a/b' must be a file name prefix, without '/'"
