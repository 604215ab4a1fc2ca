"""The one place botocore exceptions become `AwsError` (launcher/errors.py draws the whole tree)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from launcher.errors import AwsError

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
