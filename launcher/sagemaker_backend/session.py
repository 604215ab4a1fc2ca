"""AWS sessions for the SageMaker backend, and the one place the SageMaker SDK is imported.

The SDK (sagemaker-core 2.x, the SageMaker Python SDK 3.x's processing, pinned) takes seconds to
import, so it is loaded on first use, never by `import launcher` or `byoc --help`. Its Session is
always built from our boto3 session and clients with an explicit default bucket, and with an empty
SDK config: the SDK then never calls STS or a hard-coded AWS address, and no
`~/.config/sagemaker/config.yaml` (nor `/etc/xdg/sagemaker/config.yaml`, nor a file named in
SAGEMAKER_USER_CONFIG_OVERRIDE or SAGEMAKER_ADMIN_CONFIG_OVERRIDE) adds tags, VPC or keys the job
definition does not show. What else the SDK might add is caught before sending (`submit.exactly`).
"""

from __future__ import annotations

import importlib
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
    """`sagemaker.core.processing`, imported with the root logger kept as it was."""
    with root_logging_kept():
        return importlib.import_module("sagemaker.core.processing")


@contextmanager
def root_logging_kept() -> Iterator[None]:
    """Keep the SDK's `logging.basicConfig(level=INFO)` (run when `Processor.run` first imports
    `sagemaker.core.experiments._metrics`) from printing every INFO line of boto and the SDK: with a
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
    """The SDK's Session (`sagemaker.core.helper.session_helper`) that only ever talks through
    `boto_session`'s endpoints."""
    processing_module()
    from sagemaker.core.helper.session_helper import Session

    session = Session(
        boto_session=boto_session,
        sagemaker_client=sagemaker_client,
        default_bucket=bucket,
        sagemaker_config=EMPTY_SDK_CONFIG,
    )
    # Empty once built: the SDK re-validates a non-empty config with jsonschema at each of its ~20
    # lookups per job (seconds in all), and skips the lookups of an empty one.
    session.sagemaker_config = {}
    return session
