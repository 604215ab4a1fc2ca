"""The credentials the endpoint accepts: the ones it generated, and those its own user's AWS chain resolves to.

The generated pair lives in `<state dir>/credentials.json`, created mode 0600 in a 0700 folder, so only the
server's user can read it; `byoc serve --print-env` prints it. Accepting the user's own chain too lets someone
who keeps real keys for a real S3 point only `AWS_ENDPOINT_URL_SAGEMAKER` and `_LOGS` here with one set of keys.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

CREDENTIALS_FILE = "credentials.json"
_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True, slots=True)
class Key:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def private_folder(folder: Path) -> Path:
    """Create `folder` (and parents) readable by this user only; refuse one that others can read."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = folder.stat().st_mode & 0o077
    if mode:
        folder.chmod(0o700)
    return folder


def generated_key(state_dir: Path) -> Key:
    """The server's own key pair, made once and kept; the file is created 0600 before anything is written."""
    file = private_folder(state_dir) / CREDENTIALS_FILE
    if not file.exists():
        key = Key("BYOC" + "".join(secrets.choice(_ALPHABET) for _ in range(16)), secrets.token_urlsafe(30))
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump({"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key}, stream)
        return key
    data = json.loads(file.read_text(encoding="utf-8"))
    return Key(data["AccessKeyId"], data["SecretAccessKey"])


def chain_key() -> Key | None:
    """What this user's boto3 credential chain resolves to (profile, environment, SSO, ...), or None."""
    import boto3.session

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    return Key(frozen.access_key, frozen.secret_key, frozen.token)


class KeyRing:
    """Access key id -> key, for the signature check. The chain is read once, at start."""

    def __init__(self, keys: list[Key]) -> None:
        self._keys = {key.access_key_id: key for key in keys}

    def get(self, access_key_id: str) -> Key | None:
        return self._keys.get(access_key_id)
