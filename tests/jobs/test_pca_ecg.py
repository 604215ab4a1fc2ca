"""pca_ecg run as a process: results equal to the pandas reference, outputs where the contract says, bad
input reported with exit code 4 and a message naming channel, file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from jobs._csv import open_csv
from jobs._pca import pca_scores
from jobs._plot import plot_leads_and_components
from jobs.pca_ecg import read_leads
from tests.jobs.conftest import configure, read_matrix, run_job, write_ecg
from tests.jobs.reference_pca import reference_pca
from tests.mltree import MlTree

ECG = "/opt/ml/processing/ecg-data"  # not /input/<name>: the job must follow LocalPath, not the name
COMPONENTS = "/opt/ml/processing/output/components"


def configured(tree: MlTree) -> Path:
    """A job with a `code` channel, an `ecg` channel and one output; returns the ecg folder."""
    configure(tree, inputs={"code": "/opt/ml/processing/input/code", "ecg": ECG}, outputs={"components": COMPONENTS})
    (tree.path("/opt/ml/processing/input/code") / "run.py").write_text("print('not data')\n")
    return tree.path(ECG)


def assert_matches_reference(source: Path, result: Path, n_components: int, tmp_path: Path) -> None:
    expected_file = tmp_path / "reference" / result.name
    expected_file.parent.mkdir(exist_ok=True)
    reference_pca(source, expected_file, n_components)
    expected, actual = read_matrix(expected_file), read_matrix(result)
    assert actual.shape == expected.shape == (len(source.read_text().splitlines()) - 1, n_components)
    assert np.max(np.abs(actual - expected)) <= 1e-9
    # Same solver, same input bits, same memory layout: the job is meant to agree bit for bit.
    assert np.array_equal(actual, expected)


def test_each_file_matches_the_reference(tree: MlTree, tmp_path: Path) -> None:
    ecg = configured(tree)
    write_ecg(ecg / "patient-a.csv", seed=1)
    write_ecg(ecg / "patient-b.csv", seed=2, leads=6, seconds=4)

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 0, run.stderr
    assert run.message is None
    out = tree.path(COMPONENTS)
    assert sorted(p.name for p in out.iterdir()) == ["pca_patient-a.csv", "pca_patient-b.csv"]
    for name in ("patient-a.csv", "patient-b.csv"):
        assert_matches_reference(ecg / name, out / f"pca_{name}", 4, tmp_path)
    assert "pca_ecg: ecg/patient-a.csv: 2000 rows x 4 leads -> components/pca_patient-a.csv" in run.stdout


def test_many_recordings_each_match_their_reference_and_are_reported_in_order(tree: MlTree, tmp_path: Path) -> None:
    """Recordings are written by a pool of threads: none may get another's scores or be reported out of turn."""
    ecg = configured(tree)
    names = [f"rec-{i}.csv" for i in range(7)]
    for i, name in enumerate(names):
        write_ecg(ecg / name, seed=10 + i, seconds=2 + i, leads=4 + i % 3)

    run = run_job(tree, "pca_ecg", "--n-components", "3")

    assert run.returncode == 0, run.stderr
    reported = [line.split(": ")[1] for line in run.stdout.splitlines() if line.startswith("pca_ecg: ")]
    assert reported == [f"ecg/{name}" for name in names]
    for name in names:
        assert_matches_reference(ecg / name, tree.path(COMPONENTS) / f"pca_{name}", 3, tmp_path)


@pytest.mark.parametrize(
    ("rows", "columns"),
    [
        pytest.param(300_000, 4, id="tall-large-enough-for-blas-threads"),
        pytest.param(2000, 6, id="tall"),
        pytest.param(40, 4, id="tall-at-the-edge"),  # 10 rows per column: still covariance_eigh
        pytest.param(39, 4, id="short-full-svd"),  # scikit-learn switches to its SVD solver here
        pytest.param(12, 6, id="short"),
    ],
)
def test_pca_scores_are_scikit_learns_bit_for_bit(rows: int, columns: int) -> None:
    rng = np.random.default_rng(rows + columns)
    mixing = rng.normal(size=(columns, columns))
    data = np.asfortranarray(rng.normal(size=(rows, columns)) @ mixing + rng.normal(size=columns))  # read_leads' layout

    for n_components in sorted({1, 3, columns}):
        expected = PCA(n_components, random_state=0).fit_transform(data)
        assert np.array_equal(pca_scores(data, n_components), expected)


def test_the_job_imports_neither_scikit_learn_scipy_pandas_nor_matplotlib(tree: MlTree) -> None:
    """Their imports cost more than all the job's arithmetic (see jobs.pca_ecg's docstring)."""
    write_ecg(configured(tree) / "a.csv")

    run = run_job(tree, "pca_ecg", env={"PYTHONPROFILEIMPORTTIME": "1"})

    assert run.returncode == 0, run.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert {"numpy", "pyarrow", "jobs._csv", "jobs._pca"} <= imported  # the profile is really there
    assert sorted(name for name in imported if name.split(".")[0] in {"sklearn", "scipy", "pandas", "matplotlib"}) == []


def test_plot_is_the_picture_drawn_in_process(tree: MlTree, tmp_path: Path) -> None:
    """Drawn in a separate process while the job goes on, it is still the same picture, byte for byte."""
    ecg = configured(tree)
    write_ecg(ecg / "a.csv", seed=4)
    write_ecg(ecg / "b.csv", seed=5)

    run = run_job(tree, "pca_ecg", "--n-components", "2", "--plot", "a.csv")

    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tree.path(COMPONENTS).iterdir()) == ["pca_a.csv", "pca_a.png", "pca_b.csv"]
    with open_csv(ecg / "a.csv", channel="ecg", file="a.csv") as recording:
        leads = read_leads(recording, 2)
        names = list(recording.header[1:])
    expected = tmp_path / "expected.png"
    plot_leads_and_components(leads, PCA(2).fit_transform(leads), names, "ecg/a.csv", expected)
    assert (tree.path(COMPONENTS) / "pca_a.png").read_bytes() == expected.read_bytes()


def test_output_has_no_header_and_no_index(tree: MlTree) -> None:
    write_ecg(configured(tree) / "a.csv")

    assert run_job(tree, "pca_ecg", "--n-components", "2").returncode == 0

    first = (tree.path(COMPONENTS) / "pca_a.csv").read_text().splitlines()[0].split(",")
    assert len(first) == 2
    assert all(float(cell) == float(cell) for cell in first)  # numbers, not names


def test_n_components_option(tree: MlTree, tmp_path: Path) -> None:
    ecg = configured(tree)
    write_ecg(ecg / "a.csv", seed=3)

    run = run_job(tree, "pca_ecg", "--n-components", "2")

    assert run.returncode == 0, run.stderr
    assert_matches_reference(ecg / "a.csv", tree.path(COMPONENTS) / "pca_a.csv", 2, tmp_path)


def test_missing_value_spellings_are_read_as_pandas_reads_them(tree: MlTree, tmp_path: Path) -> None:
    ecg = configured(tree)
    rows = ["time,l1,l2,l3"]
    tokens = ["", "NaN", "nan", "NA", "N/A", "n/a", "NULL", "null", "None", "<NA>", "#N/A", "-nan", "1.#IND"]
    rng = np.random.default_rng(7)
    for i in range(60):
        cells = [repr(float(v)) for v in rng.normal(size=3)]
        cells[i % 3] = tokens[i % len(tokens)]
        rows.append(",".join([str(i), *cells]))
    (ecg / "gaps.csv").write_text("\n".join(rows) + "\n")

    run = run_job(tree, "pca_ecg", "--n-components", "3")

    assert run.returncode == 0, run.stderr
    assert_matches_reference(ecg / "gaps.csv", tree.path(COMPONENTS) / "pca_gaps.csv", 3, tmp_path)


def test_default_mode_without_config_files(tree: MlTree, tmp_path: Path) -> None:
    ecg = tree.path("/opt/ml/processing/input/ecg")
    write_ecg(ecg / "rec.csv")

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 0, run.stderr
    assert_matches_reference(ecg / "rec.csv", tree.path("/opt/ml/processing/output/pca/pca_rec.csv"), 4, tmp_path)


def test_files_in_subfolders_keep_their_folder(tree: MlTree) -> None:
    ecg = configured(tree)
    write_ecg(ecg / "2024" / "a.csv")
    (ecg / "2024" / "._a.csv").write_bytes(b"\x00\x05\x16\x07 macOS metadata")

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 0, run.stderr
    assert [p.relative_to(tree.path(COMPONENTS)).as_posix() for p in tree.path(COMPONENTS).rglob("*.csv")] == [
        "2024/pca_a.csv"
    ]


def test_reference_runs_as_a_script(tmp_path: Path) -> None:
    """The benchmark calls it this way."""
    write_ecg(tmp_path / "in" / "a.csv")
    script = Path(__file__).with_name("reference_pca.py")

    result = subprocess.run([sys.executable, str(script), str(tmp_path / "in"), str(tmp_path / "out"), "3"],
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert read_matrix(tmp_path / "out" / "pca_a.csv").shape == (2000, 3)


GOOD = "".join(f"{0.004 * i:.3f},{1 + i / 10},{2 + i / 10},{3 + i / 10},{4 + i / 10}\n" for i in (0, 1, 2, 3, 5))
HEADER = "time,lead_1,lead_2,lead_3,lead_4\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(HEADER + GOOD + "0.02,1.0,2.0,3.0\n" + GOOD,
                     "file 'bad.csv' line 7: has 4 fields, but the header has 5 columns", id="too-few-fields"),
        pytest.param(HEADER + "\n\n" + GOOD + "0.02,1,2,3,4,5\n",
                     "file 'bad.csv' line 9: has 6 fields, but the header has 5 columns", id="blank-lines-counted"),
        pytest.param(HEADER + GOOD + "0.02,1.0,abc,3.0,4.0\n",
                     "file 'bad.csv' line 7: column 'lead_2' has a non-numeric value 'abc'", id="non-numeric"),
        pytest.param(HEADER + GOOD + '0.02,1.0,2.0,"3,5",4.0\n',
                     "file 'bad.csv' line 7: column 'lead_3' has a non-numeric value '3,5'", id="quoted-comma"),
        pytest.param(HEADER + GOOD + "0.02,1.0,2.0,3.0,inf\n",
                     "file 'bad.csv' line 7: column 'lead_4' has an infinite value", id="infinite"),
        pytest.param("", "file 'bad.csv': the file is empty (no header line)", id="empty"),
        pytest.param("\n\n", "file 'bad.csv': the file is empty (no header line)", id="blank"),
        pytest.param(HEADER, "file 'bad.csv': has a header but no data rows", id="header-only"),
        pytest.param("time\n0.0\n0.1\n",
                     "file 'bad.csv': has only a time column ('time'); the ECG lead columns must follow it",
                     id="time-only"),
        pytest.param("time,l1,l2\n0,1,2\n1,2,3\n",
                     "file 'bad.csv': --n-components 4 is more than its 2 lead columns", id="too-few-leads"),
        pytest.param(HEADER + "0.0,1,2,3,4\n0.004,2,3,4,5\n",
                     "file 'bad.csv': has 2 data rows; --n-components 4 needs at least 4", id="too-few-rows"),
        pytest.param(b"\xff\xfetime,l1\n".decode("latin-1"),
                     "file 'bad.csv' line 1: the header is not UTF-8 text (invalid start byte)", id="not-utf8"),
    ],
)
def test_bad_file_is_an_input_error_naming_file_and_line(tree: MlTree, content: str, message: str) -> None:
    ecg = configured(tree)
    write_ecg(ecg / "a-good.csv")  # processed first; the bad one still fails the job
    (ecg / "bad.csv").write_bytes(content.encode("latin-1"))

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 4, run.stderr
    assert run.message == f"InputError: channel 'ecg', {message}"
    assert run.message in run.stderr
    assert (tree.path(COMPONENTS) / "pca_a-good.csv").is_file()  # the recording before it was finished first


def test_bad_value_far_into_a_large_file_is_located(tree: MlTree) -> None:
    """Many pyarrow blocks, read with threads: the line comes from the rescan, blank lines included."""
    ecg = configured(tree)
    path = write_ecg(ecg / "big.csv", seconds=800)  # 200 000 rows, ~17 MB
    lines = path.read_text().splitlines()
    lines.insert(1000, "")
    lines[150_000] = lines[150_000].rsplit(",", 1)[0] + ",0.1.2"
    path.write_text("\n".join(lines) + "\n")

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 4, run.stderr
    assert run.message == (
        "InputError: channel 'ecg', file 'big.csv' line 150001: column 'lead_4' has a non-numeric value '0.1.2'"
    )


def test_channel_without_csv_names_channel_and_local_path(tree: MlTree) -> None:
    ecg = configured(tree)
    (ecg / "notes.txt").write_text("no data yet")

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 4
    assert run.message == (
        f"InputError: channel 'ecg': no CSV file (*.csv) in its LocalPath {ECG}; it holds: notes.txt"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-components", "0"],
         "UsageError: pca_ecg: argument --n-components: expected a whole number >= 1, got '0' "
         "(ContainerArguments: see `pca_ecg --help`)"),
        (["--input-channel", "ekg"],
         "UsageError: --input-channel 'ekg': no such input channel (this job has: code, ecg, more)"),
        ([], "UsageError: this job has several input channels (ecg, more); choose one with --input-channel"),
    ],
)
def test_usage_errors_exit_2(tree: MlTree, args: list[str], message: str) -> None:
    configure(tree, inputs={"code": "/opt/ml/processing/input/code", "ecg": ECG, "more": "/opt/ml/processing/more"},
              outputs={"components": COMPONENTS})
    write_ecg(tree.path(ECG) / "a.csv")

    run = run_job(tree, "pca_ecg", *args)

    assert run.returncode == 2
    assert run.message == message


def test_input_channel_option_picks_among_several(tree: MlTree) -> None:
    configure(tree, inputs={"ecg": ECG, "more": "/opt/ml/processing/more"}, outputs={"components": COMPONENTS})
    write_ecg(tree.path("/opt/ml/processing/more") / "m.csv")

    run = run_job(tree, "pca_ecg", "--input-channel", "more")

    assert run.returncode == 0, run.stderr
    assert (tree.path(COMPONENTS) / "pca_m.csv").is_file()


def test_undeclared_output_is_an_output_error(tree: MlTree) -> None:
    write_ecg(configured(tree) / "a.csv")

    run = run_job(tree, "pca_ecg", "--output", "pca")

    assert run.returncode == 5
    assert run.message == (
        "OutputError: output 'pca': no such output in ProcessingOutputConfig (this job has: components)"
    )


def test_no_declared_output_is_an_output_error(tree: MlTree) -> None:
    configure(tree, inputs={"ecg": ECG}, outputs={})
    write_ecg(tree.path(ECG) / "a.csv")

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 5
    assert run.message == (
        "OutputError: ProcessingOutputConfig declares no output, so the results would be lost; declare one"
    )
