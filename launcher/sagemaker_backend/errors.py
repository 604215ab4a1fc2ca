"""The SageMaker backend's errors, and the one place botocore exceptions become them.

    LauncherError
    ├── MissingSettingError   no role, bucket or region: names the flag, variable or field: exit 2
    ├── LocalImageError       image_uri is a local image name, which SageMaker cannot pull: exit 2
    └── BackendError
        └── AwsError          an AWS call failed: names the operation, the code and the message: exit 3
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from launcher.errors import BackendError, LauncherError


class MissingSettingError(LauncherError):
    """A setting the service needs and nobody gave; the message says every way to give it."""

    exit_code = 2


class LocalImageError(LauncherError):
    """The job's image is a local name (`byoc/sklearn:latest`): SageMaker pulls from a registry (ECR)."""

    exit_code = 2


class AwsError(BackendError):
    """A failed AWS call: `operation` (CreateProcessingJob, ...), the service's code and message."""

    def __init__(self, operation: str, code: str, detail: str, hint: str | None = None) -> None:
        self.operation = operation
        self.code = code
        message = f"{operation} failed: {code}: {detail}"
        super().__init__(f"{message}. Hint: {hint}" if hint else message)


_HINTS = {
    "NoCredentialsError": "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "EndpointConnectionError": "check the region and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>",
    "AccessDeniedException": "the credentials in use may not do this; check their IAM policy",
    "ExpiredTokenException": "the session token has expired; refresh your credentials",
}


@contextmanager
def aws_errors(operation: str, *, ignore: tuple[str, ...] = ()) -> Iterator[None]:
    """Turn a botocore error raised inside the block into an AwsError naming `operation`; an error
    whose code is in `ignore` ends the block quietly (e.g. a log group that does not exist yet)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        if code in ignore:
            return
        raise AwsError(exc.operation_name or operation, code, str(error.get("Message") or exc),
                       _HINTS.get(code)) from exc
    except BotoCoreError as exc:
        code = type(exc).__name__
        raise AwsError(operation, code, str(exc), _HINTS.get(code)) from exc
