"""Fields the local backend does not carry out yet are refused by name, never dropped from the job it runs.

(The sagemaker backend sends every field: tests/sagemaker/test_submit.py.)"""

from __future__ import annotations

import pytest

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    ProcessingInput,
    ProcessingOutput,
)
from launcher.errors import JobDefinitionError
from launcher.local.backend import refuse_channels_not_emulated

QUERY = ProcessingInput(input_name="q", dataset_definition=DatasetDefinition(
    local_path="/opt/ml/processing/q", athena_dataset_definition=AthenaDatasetDefinition("c", "d", "q", "s3://b/")))
PLAIN = JobDefinition("proc", inputs=(ProcessingInput("s3://b/k", "/opt/ml/processing/in", "in"),),
                      outputs=(ProcessingOutput("/opt/ml/processing/out", "s3://b/o", "out"),))


def test_the_local_backend_refuses_what_it_does_not_emulate() -> None:
    refuse_channels_not_emulated(PLAIN)
    job = JobDefinition("proc", inputs=(QUERY, ProcessingInput("s3://b/k", input_name="app", app_managed=True)),
                        outputs=(ProcessingOutput(output_name="f", feature_store_output=FeatureStoreOutput("fg")),))
    with pytest.raises(JobDefinitionError) as caught:
        refuse_channels_not_emulated(job)
    assert [str(p) for p in caught.value.problems] == [
        "inputs[0].dataset_definition: the local backend does not run DatasetDefinition inputs yet",
        "inputs[1].destination: the local backend needs it: it stages every input",
        "outputs[0].feature_store_output: the local backend does not write to Feature Store",
    ]

