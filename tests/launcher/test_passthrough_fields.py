"""The fields a laptop cannot act on run as written: KMS keys, VPC, inter-container encryption, tags, the
experiment and Feature Store outputs are in every host's config file, the job's request and `describe`, and one
notice says they have no local effect; a Feature Store output's files stay in the job folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launcher.backend import describe_response
from launcher.definition import FeatureStoreOutput, JobDefinition, NetworkConfig, ProcessingOutput
from launcher.local import record as records
from launcher.local.options import Staging
from tests.launcher.conftest import BASE_IMAGE, SCRIPTS, job_folder, run_local

VOLUME_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FEATURES = "/opt/ml/processing/output/features"


def test_fields_with_no_local_effect_are_echoed_everywhere_and_said_once(
    tmp_path: Path, jobs_dir: Path, staging: Staging
) -> None:
    job = JobDefinition(
        image_uri=BASE_IMAGE, code=str(SCRIPTS / "listing.py"), command=("python3",),
        arguments=("--write-into", FEATURES), instance_count=2, instance_type="ml.t3.medium", job_name="passthrough",
        volume_kms_key=VOLUME_KEY, output_kms_key="alias/processing-outputs",
        network_config=NetworkConfig(security_group_ids=("sg-0123456789abcdef0",),
                                     subnets=("subnet-0123456789abcdef0",), encrypt_inter_container_traffic=True),
        tags={"team": "ml", "cost-center": "4242"},
        experiment_config={"ExperimentName": "churn", "TrialName": "churn-1"},
        outputs=(ProcessingOutput("/opt/ml/processing/output/out", str(tmp_path / "out"), "out"),
                 ProcessingOutput(FEATURES, output_name="features", app_managed=True,
                                  feature_store_output=FeatureStoreOutput("orders"))),
    )
    status = run_local(job, jobs_dir, staging=staging)
    assert status.status == "Completed", status.failure_reason

    folder = job_folder(status)
    request = records.load_request(folder / "request.json")
    echoed = {
        "VolumeKmsKeyId": VOLUME_KEY,
        "KmsKeyId": "alias/processing-outputs",
        "NetworkConfig": {"EnableNetworkIsolation": False, "EnableInterContainerTrafficEncryption": True,
                          "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"],
                                        "Subnets": ["subnet-0123456789abcdef0"]}},
        "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "4242"}],
        "ExperimentConfig": {"ExperimentName": "churn", "TrialName": "churn-1"},
        "Feature Store output": {"OutputName": "features", "AppManaged": True,
                                 "FeatureStoreOutput": {"FeatureGroupName": "orders"}},
    }
    configs = [json.loads((folder / f"hosts/{h}/ml/config/processingjobconfig.json").read_text())
               for h in ("algo-1", "algo-2")]
    for source in [request, *configs]:
        assert fields(source) == echoed
    described = describe_response(status)  # as DescribeProcessingJob: everything but the tags (ListTags has them)
    assert "Tags" not in described
    assert fields({**described, "Tags": echoed["Tags"]}) == echoed

    assert status.notices.count(
        "no local effect, passed through to SageMaker and echoed in each host's processingjobconfig.json: "
        "volume_kms_key, output_kms_key, network_config.security_group_ids, network_config.subnets, "
        "network_config.encrypt_inter_container_traffic, tags, experiment_config") == 1
    assert (f"output 'features': nothing is written to Feature Store group 'orders' locally (on SageMaker the job "
            f"writes it itself); what the job writes to {FEATURES} stays in "
            f"{folder}/hosts/<host>/ml/processing/output/features") in status.notices
    for host in ("algo-1", "algo-2"):  # kept in the job folder, and nothing uploaded for it
        assert (folder / f"hosts/{host}/ml/processing/output/features/{host}.txt").read_text() == f"written by {host}\n"
    assert [o.name for o in status.outputs] == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["algo-1.json", "algo-2.json"]


def fields(source: dict[str, Any]) -> dict[str, Any]:
    """The pass-through fields of a request, config file or describe answer."""
    return {
        "VolumeKmsKeyId": source["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"],
        "KmsKeyId": source["ProcessingOutputConfig"]["KmsKeyId"],
        "NetworkConfig": source["NetworkConfig"],
        "Tags": source["Tags"],
        "ExperimentConfig": source["ExperimentConfig"],
        "Feature Store output": source["ProcessingOutputConfig"]["Outputs"][1],
    }
