"""The files SageMaker writes into each container before it starts: /opt/ml/config/*.json.

processingjobconfig.json echoes the request (launcher/request.py) with the job ARN. resourceconfig.json
holds `current_host` and `hosts` (documented for processing) and `network_interface_name` (documented
for training; eth0 is the container's interface under Docker). Output folders and /opt/ml/output are
created too, as the platform does before the entrypoint runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from launcher.definition import JobDefinition
from launcher.local.workspace import JobWorkspace
from launcher.request import to_processing_job_config

LOCAL_ACCOUNT = "000000000000"


def job_arn(region: str, job_name: str) -> str:
    """An ARN of the service's shape; the account is a placeholder (no AWS account is involved)."""
    return f"arn:aws:sagemaker:{region}:{LOCAL_ACCOUNT}:processing-job/{job_name.lower()}"


def write_host_files(
    workspace: JobWorkspace,
    definition: JobDefinition,
    request: Mapping[str, Any],
    arn: str,
    hosts: tuple[str, ...],
) -> None:
    job_config = to_processing_job_config(request, arn)
    for host in hosts:
        config = workspace.host_path(host, "/opt/ml/config")
        _write_json(config / "processingjobconfig.json", job_config)
        _write_json(config / "resourceconfig.json",
                    {"current_host": host, "hosts": list(hosts), "network_interface_name": "eth0"})
        workspace.host_path(host, "/opt/ml/output").mkdir(parents=True, exist_ok=True)
        for output in definition.outputs:
            if output.source is not None:
                workspace.host_path(host, output.source).mkdir(parents=True, exist_ok=True)
        workspace.log_file(host).touch()


def _write_json(file: Path, data: object) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
