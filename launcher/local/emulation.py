"""The job as the local backend runs it, for the fields a laptop cannot act on as SageMaker does.

The request (and so every host's processingjobconfig.json, request.json and `describe`) always holds
the job as written; what runs here differs only in these, each said once in the job's notices:

- `dataset_definition` inputs: SageMaker runs the Athena or Redshift query, writes its result to the
  query's OutputS3Uri and stages that at LocalPath like an S3 input, with the DatasetDefinition's
  DataDistributionType (ShardedByS3Key unless set: the API's default) and InputMode. A laptop cannot run
  the query, so the job file gives its result: `local_source` (a local path or S3 URI, never sent to
  SageMaker), staged exactly so. An input without one fails the job before anything is staged
  (`StandInMissingError`, a ClientError naming the input).
- `feature_store_output` outputs: on SageMaker the job itself writes to the feature group (the output is
  app-managed). Locally nothing is uploaded for them; what the job wrote stays in the job folder.
- `network_config.enable_network_isolation`: emulated (cluster.ISOLATED_NETWORK; no AWS credentials).
- KMS keys, VPC subnets and security groups, inter-container encryption, tags and the experiment config
  have no local effect: they are passed through to SageMaker and echoed in the config files.
"""

from __future__ import annotations

import dataclasses

from launcher.definition import JobDefinition, ProcessingInput
from launcher.errors import UsageError
from launcher.local.workspace import JobWorkspace


class StandInMissingError(UsageError):
    """A dataset_definition input has no local_source: the local backend cannot run its query."""


def local_definition(job: JobDefinition) -> JobDefinition:
    """`job` as it runs here: each query input with a stand-in is the S3 input it stands for, and Feature
    Store outputs are not collected. A query input without a stand-in stays (`check_stand_ins` refuses it)."""
    inputs = tuple(_stand_in(item) if item.dataset_definition is not None and item.local_source is not None
                   else item for item in job.inputs)
    outputs = tuple(item for item in job.outputs if item.feature_store_output is None)
    return dataclasses.replace(job, inputs=inputs, outputs=outputs)


def _stand_in(item: ProcessingInput) -> ProcessingInput:
    dataset = item.dataset_definition
    assert dataset is not None and item.local_source is not None
    return ProcessingInput(source=item.local_source, destination=dataset.local_path, input_name=item.input_name,
                           s3_data_type="S3Prefix", s3_input_mode=dataset.input_mode,
                           s3_data_distribution_type=dataset.data_distribution_type, app_managed=item.app_managed)


def check_stand_ins(job: JobDefinition) -> None:
    """Refuse a query input that has no stand-in, naming it and saying how to give one."""
    for item in job.inputs:
        if item.dataset_definition is not None and item.local_source is None:
            raise StandInMissingError(
                f"input '{item.input_name}' is {_query(item)}, which the local backend cannot run: give its result "
                "as a stand-in, `local_source: <local path or s3:// URI>` on the input in the job file (a sample "
                "of the query's output); it is staged at the input's local_path as the result would be, and "
                "never sent to SageMaker, which runs the query"
            )


def kept_folders(job: JobDefinition) -> tuple[str, ...]:
    """The container folders of `job`'s Feature Store outputs: not uploaded, but kept in the job folder."""
    return tuple(item.source for item in job.outputs if item.feature_store_output is not None and item.source)


def is_isolated(job: JobDefinition) -> bool:
    return job.network_config is not None and job.network_config.enable_network_isolation


def notices(job: JobDefinition, workspace: JobWorkspace) -> list[str]:
    """What the user should hear once about how this job runs here, beside SageMaker."""
    lines = []
    if is_isolated(job):
        lines.append("network isolation: the hosts reach each other and nothing else (no internet, no S3), as on "
                     "SageMaker")
    for item in job.inputs:
        dataset = item.dataset_definition
        if dataset is not None and item.local_source is not None:
            lines.append(f"input '{item.input_name}': {_query(item)} is not run locally; its stand-in "
                         f"{item.local_source} is staged at {dataset.local_path} as the result would be "
                         f"({dataset.data_distribution_type}, {dataset.input_mode} mode)")
    for output in job.outputs:
        store = output.feature_store_output
        if store is not None:
            written = (f"what the job writes to {output.source} stays in "
                       f"{workspace.host_path('<host>', output.source)}" if output.source is not None else
                       f"what the job writes under /opt/ml stays in {workspace.host_ml('<host>')}")
            lines.append(f"output '{output.output_name}': nothing is written to Feature Store group "
                         f"'{store.feature_group_name}' locally (on SageMaker the job writes it itself); {written}")
    passed = _passed_through(job)
    if passed:
        lines.append(f"no local effect, passed through to SageMaker and echoed in each host's "
                     f"processingjobconfig.json: {', '.join(passed)}")
    return lines


def _passed_through(job: JobDefinition) -> list[str]:
    network = job.network_config
    fields = {
        "volume_kms_key": job.volume_kms_key is not None,
        "output_kms_key": job.output_kms_key is not None,
        "network_config.security_group_ids": network is not None and network.security_group_ids is not None,
        "network_config.subnets": network is not None and network.subnets is not None,
        "network_config.encrypt_inter_container_traffic": network is not None
        and bool(network.encrypt_inter_container_traffic),
        "tags": bool(job.tags),
        "experiment_config": job.experiment_config is not None,
    }
    return [name for name, given in fields.items() if given]


def _query(item: ProcessingInput) -> str:
    dataset = item.dataset_definition
    assert dataset is not None
    return "an Athena query" if dataset.athena_dataset_definition is not None else "a Redshift query"
