"""AWS sessions for the SageMaker backend, and the one place the SageMaker SDK is imported.

The SDK (sagemaker 2.x, pinned) takes seconds to import, so it is loaded on first use, never by
`import launcher` or `byoc --help`. Its Session is always built from our boto3 session and clients
with an explicit default bucket, and with an empty SDK config: the SDK then never calls STS or a
hard-coded AWS address, and no `~/.config/sagemaker/config.yaml` adds tags, VPC or keys the job
definition does not show.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from launcher.errors import MissingSettingError

# The smallest valid SDK config: stops the SDK from loading the user's and admin's config files.
EMPTY_SDK_CONFIG = {"SchemaVersion": "1.0"}


def aws_session(region: str | None, *, region_flag: str | None = "--region") -> Any:
    """A boto3 session in `region`, else $AWS_REGION, else boto3's lookup; an error if none is found."""
    import boto3.session

    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if session.region_name is None:
        how = f"pass {region_flag}, or set " if region_flag else "set "
        raise MissingSettingError(f"no AWS region: {how}AWS_REGION (or AWS_DEFAULT_REGION, or a region in the profile)")
    return session


def processing_module() -> ModuleType:
    """`sagemaker.processing`, imported quietly: we use the v2 SDK on purpose, so its v3 notice and
    its config-file INFO lines would only be noise on the user's terminal."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    config_logger = logging.getLogger("sagemaker.config")
    if config_logger.level == logging.NOTSET:
        config_logger.setLevel(logging.WARNING)
    with root_logging_kept():
        import sagemaker.processing
    return sagemaker.processing


@contextmanager
def root_logging_kept() -> Iterator[None]:
    """Keep the SDK's `logging.basicConfig(level=INFO)` (run when `Processor.run` first imports
    `sagemaker.experiments._metrics`) from printing every INFO line of boto and the SDK: with a
    handler already on the root logger basicConfig does nothing. The root logger is put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    if not handlers:
        root.addHandler(logging.NullHandler())
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def sdk_session(boto_session: Any, sagemaker_client: Any, bucket: str) -> Any:
    """A `sagemaker.session.Session` that only ever talks through `boto_session`'s endpoints."""
    processing_module()
    import sagemaker.session

    session = sagemaker.session.Session(
        boto_session=boto_session,
        sagemaker_client=sagemaker_client,
        default_bucket=bucket,
        sagemaker_config=EMPTY_SDK_CONFIG,
    )
    # Empty once built: the SDK re-validates a non-empty config with jsonschema at each of its ~20
    # lookups per job (seconds in all), and skips the lookups of an empty one.
    session.sagemaker_config = {}
    return session
