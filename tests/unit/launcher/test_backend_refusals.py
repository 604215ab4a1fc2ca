"""Channels the local backend cannot carry out are refused by name, never dropped from the job it runs.

(The sagemaker backend sends every field: tests/sagemaker/test_submit.py.)"""

from __future__ import annotations

import pytest

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
)
from launcher.errors import JobDefinitionError
from launcher.local.backend import refuse_channels_not_emulated

ATHENA = AthenaDatasetDefinition("c", "d", "q", "s3://b/")
QUERY = ProcessingInput(input_name="q", dataset_definition=DatasetDefinition(
    local_path="/opt/ml/processing/q", athena_dataset_definition=ATHENA))
PLAIN = JobDefinition("proc", inputs=(ProcessingInput("s3://b/k", "/opt/ml/processing/in", "in"),),
                      outputs=(ProcessingOutput("/opt/ml/processing/out", "s3://b/o", "out"),))


def test_the_local_backend_runs_queries_and_feature_store_outputs_and_refuses_channels_without_a_path() -> None:
    refuse_channels_not_emulated(PLAIN)
    store = ProcessingOutput(output_name="f", feature_store_output=FeatureStoreOutput("fg"))
    emulated = JobDefinition("proc", inputs=(QUERY,), network_config=NetworkConfig(enable_network_isolation=True),
                             outputs=(store,))
    refuse_channels_not_emulated(emulated)
    app_query = ProcessingInput(input_name="aq", app_managed=True, dataset_definition=DatasetDefinition(
        athena_dataset_definition=ATHENA))
    job = JobDefinition("proc", inputs=(app_query, ProcessingInput("s3://b/k", input_name="app", app_managed=True)),
                        outputs=(ProcessingOutput(destination="s3://b/o", output_name="ao", app_managed=True),))
    with pytest.raises(JobDefinitionError) as caught:
        refuse_channels_not_emulated(job)
    assert [str(p) for p in caught.value.problems] == [
        "inputs[0].dataset_definition.local_path: the local backend needs it: it stages the query's stand-in "
        "(local_source) there",
        "inputs[1].destination: the local backend needs it: it stages every input",
        "outputs[0].source: the local backend needs it: it collects every output",
    ]

