"""The local backend's main cases as a user without root, on that user's rootless Docker."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from tests.launcher.conftest import SCRIPTS
from tests.launcher.test_aws_inside import admin
from tests.rootless.conftest import RootlessUser


def test_two_hosts_share_a_sharded_input_and_upload_their_outputs(user: RootlessUser) -> None:
    data = user.folder / "data"
    data.mkdir()
    for i in range(4):
        (data / f"part-{i}.csv").write_text(f"id,value\n{i},{i * i}\n")
    (user.folder / "job.yaml").write_text(
        "job_name: rootless-sharded\nimage_uri: byoc/base:latest\ninstance_count: 2\n"
        "arguments: [inventory, --output, out]\n"
        "inputs:\n  - {input_name: data, source: data, destination: /opt/ml/processing/input/data,"
        " s3_data_distribution_type: ShardedByS3Key}\n"
        "outputs:\n  - {output_name: out, source: /opt/ml/processing/output/out, destination: out}\n")
    result = user.byoc("run", "job.yaml")
    assert result.returncode == 0, result.stderr
    seen = {p.stem: json.loads(p.read_text()) for p in sorted((user.folder / "out").glob("algo-*.json"))}
    assert sorted(seen) == ["algo-1", "algo-2"]
    assert sorted(seen["algo-1"]["channels"]["data"]) == ["part-0.csv", "part-2.csv"]
    counts = Counter(name for report in seen.values() for name in report["channels"]["data"])
    assert counts == Counter({f"part-{i}.csv": 1 for i in range(4)})
    assert "this job gets no AWS credentials" in result.stderr


def test_a_failing_host_fails_the_job_and_stops_the_other(user: RootlessUser) -> None:
    shutil.copy(SCRIPTS / "behave.py", user.folder / "behave.py")
    (user.folder / "job.yaml").write_text(
        "job_name: rootless-failing\nimage_uri: byoc/base:latest\ninstance_count: 2\ncommand: [python3]\n"
        "code: behave.py\narguments: [--fail-on, algo-2, --sleep-on, algo-1=60, --sleep-on, algo-2=2]\n")
    result = user.byoc("run", "job.yaml", "--stop-grace-seconds", "10")
    assert result.returncode == 1, result.stderr
    assert ("AlgorithmError: InputError: channel 'data', file 'bad.csv' line 3: this host was told to fail, exit "
            "code: 4 (host algo-2)") in result.stdout
    record = json.loads((user.folder / "jobs/rootless-failing/job.json").read_text())
    assert {h["name"]: h["exit_code"] for h in record["hosts"]} == {"algo-1": 143, "algo-2": 4}


def test_hosts_with_credentials_call_s3_through_their_sidecars(user: RootlessUser, container_moto: str) -> None:
    admin(container_moto).create_bucket(Bucket="rootless")
    shutil.copy(SCRIPTS / "aws_inside.py", user.folder / "aws_inside.py")
    (user.folder / "control").mkdir()
    (user.folder / "control" / "README").write_text("an input the job does not wait on\n")
    (user.folder / "job.yaml").write_text(
        "job_name: rootless-aws\nimage_uri: byoc/sklearn:latest\ninstance_count: 2\ncommand: [python3]\n"
        "code: aws_inside.py\narguments: [rootless, inside/]\n"
        "inputs:\n  - {input_name: control, source: control, destination: /opt/ml/processing/input/control}\n"
        "outputs:\n  - {output_name: out, source: /opt/ml/processing/output/out, destination: out}\n")
    result = user.byoc("run", "job.yaml", "--endpoint-url", container_moto,
                       env={"AWS_ACCESS_KEY_ID": "AKIAROOTLESS", "AWS_SECRET_ACCESS_KEY": "rootless-secret"})
    assert result.returncode == 0, result.stdout + result.stderr
    for host in ("algo-1", "algo-2"):
        report = json.loads((user.folder / "out" / f"{host}.json").read_text())
        assert (report["method"], report["access_key_id"]) == ("container-role", "AKIAROOTLESS")
        body = admin(container_moto).get_object(Bucket="rootless", Key=f"inside/{host}.txt")["Body"].read()
        assert body == f"written by {host}".encode()
