"""`byoc replay JOB_NAME`: a job created on "SageMaker" (moto) runs again locally, with the job file's outcome."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from launcher.definition import JobDefinition
from launcher.jobfile import load_job_file
from launcher.replay import ReplayImageError, prepare
from tests.launcher.conftest import byoc as run_byoc
from tests.replay.conftest import write_job
from tests.sagemaker.conftest import BUCKET, byoc

HOSTS = ("algo-1", "algo-2")


def reports(folder: Path) -> dict[str, bytes]:
    return {host: (folder / f"{host}.json").read_bytes() for host in HOSTS}


def results_in_s3(s3_admin: Any, prefix: str) -> dict[str, bytes]:
    return {host: s3_admin.get_object(Bucket=BUCKET, Key=f"{prefix}{host}.json")["Body"].read() for host in HOSTS}


@pytest.mark.docker
def test_a_replay_and_its_job_file_reproduce_the_job_files_own_outputs(
    tmp_path: Path, data: str, s3_admin: Any, ecr_image: str, create_on_sagemaker: Callable[[Path, str], str],
) -> None:
    job_file = write_job(tmp_path, ecr_image)
    direct_name = f"direct-{uuid.uuid4().hex[:8]}"  # unique: another session may run this test on the same engine
    direct = run_byoc("run", str(job_file), "--job-name", direct_name, "--jobs-dir", str(tmp_path / "jobs"), "-q")
    assert direct.returncode == 0, direct.stderr + direct.stdout
    expected = results_in_s3(s3_admin, "results/")
    assert [len(json.loads(expected[h])["data"]) for h in HOSTS] == [2, 2]  # sharded
    assert [len(json.loads(expected[h])["stream"]) for h in HOSTS] == [3, 3]  # replicated, streamed

    name = create_on_sagemaker(job_file, "churn-features-2026")
    s3_admin.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": f"results/{h}.json"} for h in HOSTS]})
    replayed = run_byoc("replay", name, "--output-dir", str(tmp_path / "replayed"), "--jobs-dir",
                        str(tmp_path / "jobs"), "-q")
    assert replayed.returncode == 0, replayed.stderr + replayed.stdout
    assert reports(tmp_path / "replayed" / "report") == expected
    assert "Contents" not in s3_admin.list_objects_v2(Bucket=BUCKET, Prefix="results/")  # the job's own: untouched
    assert f"image: {ecr_image} runs as {ecr_image} (in the local Docker engine)" in replayed.stderr
    assert f"output report: the job wrote to s3://{BUCKET}/results/; the replay to " in replayed.stderr

    written = byoc("replay", name, "--job-file", str(tmp_path / "replay.yaml"), "--output-dir",
                   str(tmp_path / "from-file"))
    assert written.exit_code == 0, written.stderr
    assert written.stdout == f"{tmp_path / 'replay.yaml'}\n"
    text = (tmp_path / "replay.yaml").read_text()
    assert text.startswith(f"# byoc replay of arn:aws:sagemaker:us-east-1:123456789012:processing-job/{name} "
                           "(Completed on SageMaker)\n")
    from_file = load_job_file(tmp_path / "replay.yaml")
    original = load_job_file(job_file)
    assert from_file.instance_type == "ml.m5.large" and from_file.base_job_name == name
    for field in ("image_uri", "instance_count", "arguments", "env", "max_runtime_in_seconds", "volume_kms_key",
                  "output_kms_key", "network_config", "tags", "experiment_config", "role"):
        assert getattr(from_file, field) == getattr(original, field), field
    assert [i.source for i in from_file.inputs] == [f"s3://{BUCKET}/data/", f"s3://{BUCKET}/stream/",
                                                    f"s3://{BUCKET}/byoc/{name}/input/code/summarize.py"]
    assert from_file.entrypoint == ("python3", "/opt/ml/processing/input/code/summarize.py")
    assert [o.destination for o in from_file.outputs] == [str(tmp_path / "from-file" / "report")]
    ran = run_byoc("run", str(tmp_path / "replay.yaml"), "--jobs-dir", str(tmp_path / "jobs"), "-q")
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert reports(tmp_path / "from-file" / "report") == expected


@pytest.mark.docker
def test_sample_stages_and_streams_only_the_first_objects_of_each_hosts_share(
    tmp_path: Path, data: str, ecr_image: str, create_on_sagemaker: Callable[[Path, str], str],
) -> None:
    name = create_on_sagemaker(write_job(tmp_path, ecr_image), "sampled")
    result = run_byoc("replay", name, "--sample", "1", "--output-dir", str(tmp_path / "out"), "--jobs-dir",
                      str(tmp_path / "jobs"), "-q")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "inputs sampled: each host gets at most the first 1 objects of its share of each input" in result.stderr
    seen = {h: json.loads(r) for h, r in reports(tmp_path / "out" / "report").items()}
    # ShardedByS3Key deals the sorted keys round-robin: algo-1 part-0, part-2; algo-2 part-1, part-3.
    assert {h: [o[0] for o in seen[h]["data"]] for h in HOSTS} == {"algo-1": ["part-0.csv"], "algo-2": ["part-1.csv"]}
    assert {h: [o[0] for o in seen[h]["stream"]] for h in HOSTS} == {h: ["chunk-0.csv"] for h in HOSTS}
    refused = byoc("replay", name, "--sample", "1", "--job-file", str(tmp_path / "x.yaml"))
    assert refused.exit_code == 2 and "--sample: nothing runs with --job-file" in refused.stderr


@pytest.mark.docker  # reaches the engine: without one it errors with DockerException
def test_an_unknown_job_is_named(faithful_moto: str) -> None:
    result = byoc("replay", "no-such-job", "--job-file", "unused.yaml")
    assert result.exit_code == 2
    assert "no SageMaker processing job named 'no-such-job' in us-east-1" in result.stderr


@pytest.mark.docker
def test_awss_own_image_falls_back_to_the_kits_when_it_cannot_be_pulled(
    tmp_path: Path, data: str, create_on_sagemaker: Callable[[Path, str], str], monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
) -> None:
    sklearn = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    name = create_on_sagemaker(write_job(tmp_path, sklearn), "aws-image")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", f"http://127.0.0.1:{closed_port}")  # ECR cannot be reached
    replay = prepare(name, region=None, output_dir=tmp_path / "out")
    assert replay.image.image == "byoc/sklearn:latest"
    assert replay.image.how == "AWS's sagemaker-scikit-learn image, stood in for by the kit's"
    [note] = [n for n in replay.notes if n.startswith("image ")]
    assert note.startswith(f"image {sklearn} could not be pulled (GetAuthorizationToken failed: "
                           "EndpointConnectionError")
    quiet = prepare(name, region=None, output_dir=tmp_path / "out", pull=False)
    assert quiet.image.image == "byoc/sklearn:latest" and not [n for n in quiet.notes if n.startswith("image ")]

    unknown = create_on_sagemaker(write_job(tmp_path, f"{sklearn.split('/')[0]}/team/unknown:1"), "unknown-image")
    with pytest.raises(ReplayImageError, match=r"'683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com/team/unknown:1' "
                                               r"is not in the local Docker engine and could not be pulled \(.*\); "
                                               r"it is not one of AWS's .* pass --image-uri LOCAL_IMAGE"):
        prepare(unknown, region=None, output_dir=None)
    mapped = byoc("replay", unknown, "--image-map", "team/unknown=byoc/base:latest", "--job-file",
                  str(tmp_path / "mapped.yaml"))
    assert mapped.exit_code == 0, mapped.stderr
    assert load_job_file(tmp_path / "mapped.yaml").image_uri == "byoc/base:latest"
    assert "(--image-map team/unknown)" in mapped.stderr
    bad = byoc("replay", unknown, "--image-map", "team/unknown", "--job-file", str(tmp_path / "bad.yaml"))
    assert bad.exit_code == 2 and "expected URI_OR_REPOSITORY=LOCAL_IMAGE" in bad.stderr
    given = prepare(unknown, region=None, output_dir=None, image_uri="byoc/base:latest")
    assert given.image.image == "byoc/base:latest" and given.definition.image_uri == "byoc/base:latest"
    assert [o.destination for o in given.definition.outputs] == [f"s3://{BUCKET}/results/"]  # --original-outputs


@pytest.mark.docker
def test_the_exact_image_is_pulled_by_digest_through_an_ecr_login(
    tmp_path: Path, data: str, create_on_sagemaker: Callable[[Path, str], str], registry: str,
    pushed_base: tuple[str, str],
) -> None:
    repository, digest = pushed_base
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}@{digest}"
    name = create_on_sagemaker(write_job(tmp_path, uri), "pulled")
    replay = prepare(name, region=None, output_dir=tmp_path / "out", registry=registry)
    assert replay.image.image == f"{registry}/{repository}@{digest}"
    assert replay.image.how == f"pulled, {digest}"
    assert isinstance(replay.definition, JobDefinition) and replay.definition.image_uri == replay.image.image
