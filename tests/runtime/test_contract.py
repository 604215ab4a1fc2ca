"""Parsing /opt/ml/config: good files become typed objects; bad ones name the file and the key path."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from byoc_runtime import ContractError, InputError, OutputError, load_context
from tests.mltree import MlTree, job_config


def load(tree: MlTree):
    return load_context({"BYOC_ML_ROOT": str(tree.root)})


def test_configured_context_exposes_channels_outputs_and_hosts(tree: MlTree) -> None:
    job = job_config(
        inputs={"raw": "/opt/ml/processing/input/raw"},
        outputs={"train": "/opt/ml/processing/output/train"},
        instance_count=3,
    )
    tree.write_config(job, current_host="algo-2", hosts=["algo-1", "algo-2", "algo-3"])
    ctx = load(tree)
    assert ctx.configured
    assert ctx.job.job_name == "test-job"
    assert ctx.input("raw").local_path == PurePosixPath("/opt/ml/processing/input/raw")
    assert ctx.input("raw").distribution == "FullyReplicated"
    assert ctx.input_dir("raw") == tree.root / "processing/input/raw"
    assert ctx.output("train").upload_mode == "EndOfJob"
    assert (ctx.current_host, ctx.host_index, ctx.host_count, ctx.is_primary) == ("algo-2", 1, 3, False)
    assert ctx.output_dir("train").is_dir()


def test_a_feature_store_output_is_no_output_of_the_context(tree: MlTree) -> None:
    """A FeatureStoreOutput has no container folder (the job writes to its feature group itself): the job
    loads, and its context lists only the S3 outputs."""
    job = job_config(outputs={"train": "/opt/ml/processing/output/train"})
    job["ProcessingOutputConfig"]["Outputs"].append(
        {"OutputName": "features", "AppManaged": True, "FeatureStoreOutput": {"FeatureGroupName": "orders"}})
    tree.write_config(job)
    assert [o.name for o in load(tree).job.outputs] == ["train"]


def test_no_config_files_gives_documented_defaults(tree: MlTree) -> None:
    (tree.root / "processing/input/data").mkdir(parents=True)
    (tree.root / "processing/input/code").mkdir(parents=True)
    ctx = load(tree)
    assert not ctx.configured
    assert ctx.hosts == ("algo-1",) and ctx.current_host == "algo-1"
    assert [c.name for c in ctx.job.inputs] == ["code", "data"]
    assert ctx.output_dir("anything") == tree.root / "processing/output/anything"


def write_raw(tree: MlTree, text: str, resource: dict[str, object] | None = None) -> None:
    (tree.root / "config").mkdir(exist_ok=True)
    (tree.root / "config/processingjobconfig.json").write_text(text)
    (tree.root / "config/resourceconfig.json").write_text(
        json.dumps(resource or {"current_host": "algo-1", "hosts": ["algo-1"]})
    )


def mutated(change) -> str:
    job = job_config(inputs={"raw": "/opt/ml/processing/input/raw"}, outputs={"out": "/opt/ml/processing/output/o"})
    change(job)
    return json.dumps(job)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{not json",
            "processingjobconfig.json: is not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ("[]", "processingjobconfig.json: (top level): expected a JSON object, got a list"),
        (mutated(lambda j: j.pop("ProcessingJobName")), "processingjobconfig.json: ProcessingJobName: is missing"),
        (
            mutated(lambda j: j["ProcessingInputs"][0]["S3Input"].update(LocalPath="/tmp/x")),
            "processingjobconfig.json: ProcessingInputs[0].S3Input.LocalPath: '/tmp/x' must be an absolute path "
            "under /opt/ml/processing/",
        ),
        (
            mutated(lambda j: j["ProcessingInputs"][0]["S3Input"].update(S3InputMode="FastFile")),
            "processingjobconfig.json: ProcessingInputs[0].S3Input.S3InputMode: 'FastFile' is not one of File, Pipe",
        ),
        (
            mutated(lambda j: j["ProcessingResources"]["ClusterConfig"].update(InstanceCount="2")),
            "processingjobconfig.json: ProcessingResources.ClusterConfig.InstanceCount: expected an integer >= 1, "
            "got '2'",
        ),
        (
            mutated(lambda j: j["AppSpecification"].update(ContainerArguments=["a", 3])),
            "processingjobconfig.json: AppSpecification.ContainerArguments[1]: expected a string, got 3",
        ),
        (
            mutated(lambda j: j["ProcessingInputs"].append(j["ProcessingInputs"][0])),
            "processingjobconfig.json: ProcessingInputs[1].InputName: 'raw' is used twice",
        ),
        (
            mutated(lambda j: j["ProcessingOutputConfig"]["Outputs"][0].pop("S3Output")),
            "processingjobconfig.json: ProcessingOutputConfig.Outputs[0].S3Output: output 'out' has neither S3Output "
            "nor FeatureStoreOutput",
        ),
        (
            mutated(lambda j: j["Environment"].update(N=1)),
            "processingjobconfig.json: Environment.N: expected a string, got 1",
        ),
    ],
)
def test_bad_job_config_names_file_and_key_path(tree: MlTree, text: str, expected: str) -> None:
    write_raw(tree, text)
    (tree.root / "processing/input/raw").mkdir(parents=True)
    with pytest.raises(ContractError) as caught:
        load(tree)
    assert str(caught.value) == f"{tree.root}/config/{expected}"
    assert caught.value.exit_code == 3


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ({"current_host": "algo-9", "hosts": ["algo-1"]}, "current_host: 'algo-9' is not one of hosts ['algo-1']"),
        ({"current_host": "algo-1", "hosts": []}, "hosts: expected a non-empty list of host names"),
        ({"current_host": "algo-1", "hosts": ["algo-1", "algo-1"]}, "hosts: lists a host twice"),
        ({"hosts": ["algo-1"]}, "current_host: is missing"),
    ],
)
def test_bad_resource_config_names_the_key(tree: MlTree, resource: dict[str, object], expected: str) -> None:
    write_raw(tree, json.dumps(job_config()), resource)
    with pytest.raises(ContractError, match=expected.replace("[", r"\[").replace("]", r"\]")) as caught:
        load(tree)
    assert "resourceconfig.json" in str(caught.value)


def test_instance_count_must_match_hosts(tree: MlTree) -> None:
    tree.write_config(job_config(instance_count=2), hosts=["algo-1"])
    with pytest.raises(ContractError, match=r"InstanceCount: is 2 but .*resourceconfig.json lists 1 hosts"):
        load(tree)


def test_one_config_file_without_the_other_is_an_error(tree: MlTree) -> None:
    (tree.root / "config").mkdir()
    (tree.root / "config/resourceconfig.json").write_text('{"current_host": "algo-1", "hosts": ["algo-1"]}')
    with pytest.raises(ContractError, match=r"processingjobconfig.json: is missing, while the other config file"):
        load(tree)


def test_missing_channel_folder_names_the_channel(tree: MlTree) -> None:
    tree.write_config(job_config(inputs={"raw": "/opt/ml/processing/input/raw"}))
    (tree.root / "processing/input/raw").rmdir()
    with pytest.raises(InputError) as caught:
        load(tree)
    assert str(caught.value) == (
        "channel 'raw': LocalPath /opt/ml/processing/input/raw does not exist in the "
        "container (was the channel mounted?)"
    )


def test_unknown_channel_and_output_list_what_exists(tree: MlTree) -> None:
    tree.write_config(
        job_config(inputs={"raw": "/opt/ml/processing/input/raw"}, outputs={"out": "/opt/ml/processing/output/out"})
    )
    ctx = load(tree)
    with pytest.raises(InputError, match=r"channel 'nope': no such input channel \(this job has: raw\)"):
        ctx.input("nope")
    with pytest.raises(OutputError, match=r"output 'nope': no such output .* \(this job has: out\)"):
        ctx.output("nope")


def test_output_that_cannot_be_created_names_output_and_path(tree: MlTree) -> None:
    tree.write_config(job_config(outputs={"out": "/opt/ml/processing/output/out"}))
    (tree.root / "processing/output").mkdir(parents=True)
    (tree.root / "processing/output/out").write_text("a file where the folder should be")
    with pytest.raises(OutputError, match=r"output 'out', path '/opt/ml/processing/output/out': cannot create"):
        load(tree).output_dir("out")
