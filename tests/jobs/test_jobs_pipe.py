"""pca_ecg and process_data in Pipe mode, as processes, fed by the local backend's feeder (no container):
the same output bytes as File mode, and Pipe-mode input errors that say what went wrong."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from jobs._channels import PIPE_SPLIT_NOTE
from launcher.local.feeder import PipeChannel, PipeFeeder
from launcher.storage.client import LazyS3Client
from launcher.storage.listing import S3DataType, list_source
from launcher.storage.locations import LocalLocation
from tests.jobs.conftest import JobRun, configure, run_job, write_ecg
from tests.mltree import MlTree

DATA = "/opt/ml/processing/input/data"
PCA_OUT = "/opt/ml/processing/output/pca"
SPLIT_OUTS = {split: f"/opt/ml/processing/output/{split}" for split in ("train", "validation", "test")}


def piped(tree: MlTree, outputs: dict[str, str]) -> None:
    """Both config files with the one input `data` in Pipe mode."""
    job = configure(tree, inputs={"data": DATA}, outputs=outputs)
    job["ProcessingInputs"][0]["S3Input"]["S3InputMode"] = "Pipe"
    tree.write_config(job)


@pytest.fixture
def feeding() -> Iterator[list[PipeFeeder]]:
    feeders: list[PipeFeeder] = []
    yield feeders
    for feeder in feeders:
        feeder.stop()


def feed(tree: MlTree, source: Path, feeders: list[PipeFeeder], *, gzip_objects: bool = False) -> PipeFeeder:
    """The feeder streaming every file below `source` into the tree's FIFO, as for one host."""
    objects = tuple(list_source(LocalLocation(source), S3DataType.S3_PREFIX, LazyS3Client()))
    channel = PipeChannel("algo-1", "data", tree.path(DATA), f"{source}/", objects, gzip_objects)
    feeder = PipeFeeder([channel], LazyS3Client())
    feeder.prepare()
    feeder.start()
    feeders.append(feeder)
    return feeder


def run_both(tmp_path: Path, source: Path, job: str, outputs: dict[str, str], feeders: list[PipeFeeder],
             *args: str, pipe_source: Path | None = None) -> tuple[JobRun, JobRun, MlTree, MlTree]:
    """The job on `source` in File mode (a copy in its LocalPath) and in Pipe mode (fed from `pipe_source`)."""
    file_tree, pipe_tree = MlTree(tmp_path / "file/opt/ml"), MlTree(tmp_path / "pipe/opt/ml")
    configure(file_tree, inputs={"data": DATA}, outputs=outputs)
    shutil.copytree(source, file_tree.path(DATA), dirs_exist_ok=True)
    piped(pipe_tree, outputs)
    for local in outputs.values():
        pipe_tree.path(local).mkdir(parents=True, exist_ok=True)
    feed(pipe_tree, pipe_source or source, feeders, gzip_objects=pipe_source is not None)
    return run_job(file_tree, job, *args), run_job(pipe_tree, job, *args), file_tree, pipe_tree


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def houses(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    lines = ["rooms,area,PRICE,age"]
    lines += [f"{rng.integers(1, 8)},{rng.normal(100, 30):.3f},{rng.normal(3e5, 5e4):.2f},{rng.integers(0, 90)}"
              for _ in range(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_pca_ecg_writes_the_same_bytes_in_pipe_mode(tmp_path: Path, feeding: list[PipeFeeder]) -> None:
    source = tmp_path / "recordings"
    for i, name in enumerate(["a.csv", "b.csv", "sub/c.csv"]):
        write_ecg(source / name, seconds=6, seed=i)

    file_run, pipe_run, file_tree, pipe_tree = run_both(tmp_path, source, "pca_ecg", {"pca": PCA_OUT}, feeding)

    assert file_run.returncode == 0, file_run.stderr
    assert pipe_run.returncode == 0, pipe_run.stderr
    assert set(files(pipe_tree.path(PCA_OUT))) == {"pca_a.csv", "pca_b.csv", "sub/pca_c.csv"}
    assert files(pipe_tree.path(PCA_OUT)) == files(file_tree.path(PCA_OUT))
    assert pipe_run.stdout == file_run.stdout  # the same lines: `pca_ecg: data/sub/c.csv: ... -> pca/sub/pca_c.csv`


def test_process_data_writes_the_same_bytes_in_pipe_mode(tmp_path: Path, feeding: list[PipeFeeder]) -> None:
    source = tmp_path / "houses"
    for i in range(3):
        houses(source / f"part-{i}.csv", 200 + 50 * i, seed=i)

    file_run, pipe_run, file_tree, pipe_tree = run_both(tmp_path, source, "process_data", SPLIT_OUTS, feeding)

    assert file_run.returncode == 0, file_run.stderr
    assert pipe_run.returncode == 0, pipe_run.stderr
    for local in SPLIT_OUTS.values():
        assert files(pipe_tree.path(local)) == files(file_tree.path(local))
        assert files(pipe_tree.path(local))


def test_gzip_objects_give_what_their_plain_files_give(tmp_path: Path, feeding: list[PipeFeeder]) -> None:
    source, packed = tmp_path / "houses", tmp_path / "packed"
    for i in range(2):
        houses(source / f"part-{i}.csv", 300, seed=i)
        (packed / f"part-{i}.csv.gz").parent.mkdir(parents=True, exist_ok=True)
        (packed / f"part-{i}.csv.gz").write_bytes(gzip.compress((source / f"part-{i}.csv").read_bytes()))

    file_run, pipe_run, file_tree, pipe_tree = run_both(tmp_path, source, "process_data", SPLIT_OUTS, feeding,
                                                        pipe_source=packed)

    assert (file_run.returncode, pipe_run.returncode) == (0, 0), pipe_run.stderr
    for local in SPLIT_OUTS.values():
        assert files(pipe_tree.path(local)) == files(file_tree.path(local))


def test_an_object_with_another_header_is_reported_with_the_split_rule(tree: MlTree, tmp_path: Path,
                                                                       feeding: list[PipeFeeder]) -> None:
    source = tmp_path / "recordings"
    write_ecg(source / "a.csv", seconds=2, leads=4, seed=1)
    write_ecg(source / "b.csv", seconds=2, leads=6, seed=2)  # fine in File mode; not in one Pipe stream
    piped(tree, {"pca": PCA_OUT})
    feed(tree, source, feeding)

    run = run_job(tree, "pca_ecg", "--n-components", "2")

    assert run.returncode == 4, run.stderr
    assert run.message == ("InputError: channel 'data', file 'a.csv': a row has 7 fields, but the header has 5 "
                           f"columns ({PIPE_SPLIT_NOTE})")


def test_an_empty_shard_is_reported_as_such(tree: MlTree, tmp_path: Path, feeding: list[PipeFeeder]) -> None:
    piped(tree, {"pca": PCA_OUT})
    channel = PipeChannel("algo-1", "data", tree.path(DATA), "s3://bkt/ecg/", (), False)
    feeder = PipeFeeder([channel], LazyS3Client())
    feeder.prepare()
    feeder.start()
    feeding.append(feeder)

    run = run_job(tree, "pca_ecg")

    assert run.returncode == 4, run.stderr
    assert run.message == ("InputError: channel 'data': its Pipe-mode stream is empty: the manifest data-manifest "
                           "lists no object (with ShardedByS3Key, a host gets none when there are fewer objects than "
                           "hosts)")
