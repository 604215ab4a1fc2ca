"""Run one SageMaker Processing job definition on SageMaker or locally, exactly as SageMaker would.

This package's public surface; the backends and the CLI live in their own modules. Each name is imported
when first used, so `byoc`'s entry point (launcher.cli) starts without the job definition's modules.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing alone would double this module's import time
if TYPE_CHECKING:
    from typing import Any

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

_HOMES = {
    "launcher.definition": ("AthenaDatasetDefinition", "DatasetDefinition", "FeatureStoreOutput", "JobDefinition",
                            "NetworkConfig", "ProcessingInput", "ProcessingOutput", "RedshiftDatasetDefinition",
                            "resolve_job_name", "with_overrides"),
    "launcher.errors": ("BackendError", "JobDefinitionError", "LauncherError", "Problem"),
    "launcher.jobfile": ("JobFile", "load_job_file", "read_job_file"),
    "launcher.request": ("definition_from_request", "to_create_processing_job_request", "to_processing_job_config"),
    "launcher.validation": ("find_problems", "validate"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME_OF})


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'launcher' has no attribute {name!r}")
    import importlib  # here: `byoc`'s entry point imports this package, and importlib imports warnings

    return getattr(importlib.import_module(_HOME_OF[name]), name)


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
