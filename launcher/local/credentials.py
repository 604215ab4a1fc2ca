"""AWS credentials for a local job's containers, given the way SageMaker and ECS give them: from a
container credentials endpoint, never as keys in the environment or in files, and nothing changed on
the machine the engine runs on.

When a job starts, the launcher resolves its own credentials (its boto3 chain: AWS_PROFILE, `aws
configure`, SSO, environment keys, an instance role, ...), in a thread, while the job is staged:

- None (or the chain fails, or the job has network isolation, whose containers SageMaker gives no
  credentials): the job runs as under a plain `docker run`: no credentials variables, so a
  boto3 client is created as usual and an AWS call raises botocore's own NoCredentialsError; one notice
  says so, and how to give the job credentials.
- Some: every host gets a sidecar container (the kit's base image running `credentials_server.py`) that
  owns the host's network namespace; the host's own container joins it, so the endpoint is on the
  host's loopback, `http://127.0.0.1:51679/credentials`, which botocore and the AWS SDK for Java 1.x
  (Spark's S3A) both accept as AWS_CONTAINER_CREDENTIALS_FULL_URI. The container gets that URI and a
  per-job AWS_CONTAINER_AUTHORIZATION_TOKEN; the credentials go into the sidecars through the engine
  (a lease file, `put_archive`) and are renewed every RENEW_SECONDS while the job runs.

Why a sidecar per host rather than the endpoint on 169.254.170.2 (what ECS and SageMaker use):
- on the host's loopback (this kit's first design) it needs root and a host network change, and cannot
  work with Docker Desktop, a remote engine, rootless engines or a Podman machine;
- in one container on a network of its own that every job container also joins (ECS's local
  endpoints) it gives each job container a second, link-local interface, and a container's own host
  name then resolves to that address first (getaddrinfo prefers the smaller scope; Podman orders
  /etc/hosts at random): a host binding to its own name, as Spark's master does, listens where its
  peers do not connect. Only one network of an engine can hold 169.254.170.2, too.
A sidecar keeps the job container's network exactly as without credentials (one interface, `algo-i`
resolving to it) and shares nothing between jobs: its containers are the job's own (labelled with it,
removed with it, swept with it), so concurrent jobs and long-lived launchers need no coordination. A
job without credentials gets no sidecar and pays nothing for them.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import json
import os
import secrets
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from launcher.local import credentials_server
from launcher.local.cluster import SidecarSpec

FULL_URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
ENDPOINT_URL = f"http://127.0.0.1:{credentials_server.PORT}{credentials_server.PATH}"
SIDECAR_DIR = PurePosixPath(credentials_server.LEASE_FILE.parent.as_posix())
SERVER_FILE = SIDECAR_DIR / "server.py"
MAX_LIFETIME = datetime.timedelta(hours=1)  # containers come back for more; botocore refreshes 15 min before
RENEW_SECONDS = 60.0
LEASE_TTL_SECONDS = 300.0  # an unrenewed lease (a dead supervisor) stops being served after this

ISOLATED = ("this job gets no AWS credentials: it runs with network isolation (EnableNetworkIsolation), and "
            "SageMaker gives an isolated job's containers none")
NO_CREDENTIALS = ("this job gets no AWS credentials: {why}. A boto3 client in it is created as usual and an AWS call "
                  "raises NoCredentialsError. To give the job the launcher's credentials, configure them where byoc "
                  "runs: AWS_PROFILE, `aws configure`, `aws sso login`, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")


@dataclass(frozen=True, slots=True)
class ServedCredentials:
    """One answer of the endpoint: the ECS container credentials document."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str | None = field(repr=False)
    expiration: datetime.datetime

    def document(self) -> dict[str, str | None]:
        # botocore's ContainerProvider and the AWS SDK for Java read these four keys (Token may be null: long-term
        # keys have none); Expiration is ISO-8601 and must carry its zone.
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Token": self.token,
            "Expiration": self.expiration.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def served(credentials: Any) -> ServedCredentials:
    """A botocore Credentials object as the endpoint serves it, refreshing temporary credentials first if due."""
    frozen = credentials.get_frozen_credentials()
    expiration = datetime.datetime.now(datetime.UTC) + MAX_LIFETIME
    # RefreshableCredentials has no public expiry; without it a container would keep expired keys.
    expiry = getattr(credentials, "_expiry_time", None)
    if isinstance(expiry, datetime.datetime) and expiry.tzinfo is not None:
        expiration = min(expiration, expiry)
    return ServedCredentials(frozen.access_key, frozen.secret_key, frozen.token, expiration)


class JobCredentials:
    """The launcher's credentials as one job's containers get them: the environment, the sidecar, the lease."""

    def __init__(self, credentials: Any, image: str) -> None:
        self._credentials = credentials  # botocore Credentials: refreshable ones refresh themselves
        self._image = image
        self._token = secrets.token_urlsafe(32)

    def environment(self) -> dict[str, str]:
        """What a host's container needs to fetch its credentials (the token is per job, not an AWS secret)."""
        return {FULL_URI_ENV: ENDPOINT_URL, TOKEN_ENV: self._token}

    def sidecar(self) -> SidecarSpec:
        """Each host's sidecar: the server and the first lease, put in before it starts."""
        server = Path(credentials_server.__file__).read_bytes()
        return SidecarSpec(image=self._image, entrypoint=("python3", "-S", str(SERVER_FILE)),
                           archive=_archive({SERVER_FILE: server, credentials_server.LEASE_FILE: self.lease()}))

    def renewal(self) -> bytes:
        """A tar of the renewed lease, for `Cluster.put_in_sidecars`."""
        return _archive({credentials_server.LEASE_FILE: self.lease()})

    def lease(self) -> bytes:
        """The lease file: the token's digest, fresh credentials (or the chain's error) and how long it holds."""
        body: dict[str, Any] = {"token_sha256": hashlib.sha256(self._token.encode()).hexdigest(),
                                "ttl_seconds": LEASE_TTL_SECONDS, "renewed": time.time()}  # a new lease every time
        try:
            body["credentials"] = served(self._credentials).document()
        except Exception as error:  # botocore's own (an expired SSO session, a failed role assumption, ...)
            body["error"] = f"the byoc launcher could not refresh its AWS credentials: {error}"
        return json.dumps(body).encode()


def _archive(files: Mapping[PurePosixPath | Path, bytes]) -> bytes:
    """A tar of `files` at their absolute paths, readable by root only, for put_archive at `/`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folders = sorted({str(PurePosixPath(path).parent).lstrip("/") for path in files})
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o700, int(time.time())
            tar.addfile(info)
        for path, data in files.items():
            info = tarfile.TarInfo(str(path).lstrip("/"))
            info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def launcher_credentials(reuse_session: bool = False) -> tuple[Any, str | None]:
    """The launcher's botocore credentials, already usable, or None and why not.

    The chain is walked afresh each time (the user may have logged in since), in a new botocore session, or
    with `reuse_session` in this process's session for the environment and AWS config files as they are now
    (`_session`; only for a process that runs one job).
    """
    import botocore.credentials
    import botocore.exceptions
    import botocore.session

    from launcher.local.instance_metadata import probe_first

    try:
        session = _session() if reuse_session else botocore.session.get_session()
        resolver = botocore.credentials.create_credential_resolver(session)
        probed = probe_first(resolver, session)  # no 2 s wait where no instance metadata service answers
        credentials = resolver.load_credentials()
        if credentials is None:
            skipped = f"; {probed.skipped}" if probed is not None and probed.skipped else ""
            return None, f"the launcher has no AWS credentials (boto3 found none{skipped})"
        served(credentials)  # fails now, before the job starts, if they cannot be had
    except botocore.exceptions.BotoCoreError as error:
        return None, f"the launcher could not get its AWS credentials ({error})"
    return credentials, None


def _session() -> Any:
    """botocore's session for this environment and these AWS config files.

    Making one takes about 10 ms of CPU, and a job's staging, running meanwhile under the same GIL, waits
    for it. So it is made once per process and kept while the environment and the files (their paths,
    inodes, sizes and times) stay the same: a warm `byoc` (launcher/cli/warm.py) hands it to every job's
    supervisor. botocore sessions are not to be shared by threads, hence one job per process.
    """
    environment = tuple(sorted(os.environ.items()))
    return _session_for(environment, tuple(_file_state(path) for path in _config_files()))


@functools.lru_cache(maxsize=1)
def _session_for(environment: tuple[tuple[str, str], ...], files: tuple[tuple[int, int, int] | None, ...]) -> Any:
    import botocore.session

    return botocore.session.get_session()


def _config_files() -> tuple[Path, Path]:
    """Where botocore reads the AWS config and shared credentials files."""
    return (Path(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")).expanduser(),
            Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")).expanduser())


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


class CredentialsResolver:
    """Resolves the launcher's credentials in a thread, so staging goes on meanwhile; `result()` waits for it."""

    def __init__(self, image: str, check_image: Callable[[str], str | None], reuse_session: bool = False) -> None:
        self._image = image
        self._check_image = check_image
        self._reuse_session = reuse_session
        self._result: tuple[JobCredentials | None, str | None] = (None, "not resolved")
        self._thread = threading.Thread(target=self._resolve, name="credentials", daemon=True)
        self._thread.start()

    def _resolve(self) -> None:
        try:
            credentials, why = launcher_credentials(self._reuse_session)
            if credentials is not None:
                why = self._check_image(self._image)
            self._result = (JobCredentials(credentials, self._image), None) if why is None else (None, why)
        except Exception as error:  # a bug here must not fail the job: it runs without credentials, saying why
            self._result = (None, f"resolving the launcher's credentials failed ({type(error).__name__}: {error})")

    def result(self, notice: Callable[[str], None]) -> JobCredentials | None:
        """The job's credentials, or None after one notice saying why and how to give it some."""
        self._thread.join()
        credentials, why = self._result
        if credentials is None:
            notice(NO_CREDENTIALS.format(why=why))
        return credentials


class LeaseRenewal:
    """Renews a running job's lease in its sidecars every `interval` seconds until `stop()`."""

    def __init__(self, credentials: JobCredentials, put: Callable[[bytes], None],
                 interval: float | None = None) -> None:
        self._credentials = credentials
        self._put = put
        self._interval = RENEW_SECONDS if interval is None else interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="credentials-renewal", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._put(self._credentials.renewal())
            except Exception as error:  # an engine hiccup: the lease outlives a few missed renewals
                print(f"byoc: renewing the job's AWS credentials failed, will retry: {error}", file=sys.stderr)
