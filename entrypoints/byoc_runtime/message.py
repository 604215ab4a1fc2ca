"""The exit message: SageMaker shows the first 1 KB of /opt/ml/output/message as ExitMessage."""

from __future__ import annotations

from pathlib import Path

MESSAGE_LIMIT_BYTES = 1024


def truncate_utf8(text: str, limit: int = MESSAGE_LIMIT_BYTES) -> bytes:
    """Encode as UTF-8 and cut to `limit` bytes without splitting a character.

    The service fails the job with a ClientError when the message is not valid UTF-8, so a cut in the
    middle of a multi-byte character must not happen.
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return data
    return data[:limit].decode("utf-8", errors="ignore").encode("utf-8")


def write_exit_message(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(truncate_utf8(text))
