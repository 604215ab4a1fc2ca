"""Run one SageMaker Processing job definition on SageMaker or locally, exactly as SageMaker would.

This package's public surface; the backends and the CLI live in their own modules.
"""

from launcher.definition import (
    AthenaDatasetDefinition,
    DatasetDefinition,
    FeatureStoreOutput,
    JobDefinition,
    NetworkConfig,
    ProcessingInput,
    ProcessingOutput,
    RedshiftDatasetDefinition,
    resolve_job_name,
    with_overrides,
)
from launcher.errors import BackendError, JobDefinitionError, LauncherError, Problem
from launcher.jobfile import JobFile, load_job_file, read_job_file
from launcher.request import definition_from_request, to_create_processing_job_request, to_processing_job_config
from launcher.validation import find_problems, validate

__all__ = [
    "AthenaDatasetDefinition",
    "BackendError",
    "DatasetDefinition",
    "FeatureStoreOutput",
    "JobDefinition",
    "JobDefinitionError",
    "JobFile",
    "LauncherError",
    "NetworkConfig",
    "Problem",
    "ProcessingInput",
    "ProcessingOutput",
    "RedshiftDatasetDefinition",
    "definition_from_request",
    "find_problems",
    "load_job_file",
    "read_job_file",
    "resolve_job_name",
    "to_create_processing_job_request",
    "to_processing_job_config",
    "validate",
    "with_overrides",
]
