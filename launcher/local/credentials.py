"""AWS credentials for a local job's containers, served the way SageMaker and ECS serve them.

On SageMaker a job's containers get their role's credentials from a container credentials endpoint,
never as keys in the environment. The local backend does the same for the job's lifetime:

    launcher (host)                                         container algo-i
    CredentialsEndpoint on 169.254.170.2:<free port>  <--   boto3: AWS_CONTAINER_CREDENTIALS_FULL_URI
      checks `Authorization: <per-job token>`               + AWS_CONTAINER_AUTHORIZATION_TOKEN
      answers the launcher's own credentials (ECS JSON)     (botocore `ContainerProvider`)

Why 169.254.170.2: botocore fetches an http FULL_URI only from a loopback address or from one of
169.254.170.2, 169.254.170.23, fd00:ec2::23 and localhost (`utils.py::ContainerMetadataFetcher`), and a
container's loopback is its own. `containers/engine.sh` (`make engine`, as root) adds 169.254.170.2/32 to
the host's `lo`; a container's packets to it leave through its default gateway (the bridge) and the
host delivers them locally, as it does for any of its own addresses. Without that address the endpoint
is skipped with one notice, and jobs that do not call AWS run as before.

Credentials are resolved lazily, on the first request, from the launcher's boto3 credential chain
(`AWS_PROFILE`, environment, config files, SSO, ...), so a job that never calls AWS needs none. If the
chain has none, the endpoint answers an error that botocore puts in the job's traceback.
"""

from __future__ import annotations

import datetime
import hmac
import json
import secrets
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ENDPOINT_ADDRESS = "169.254.170.2"
PATH = "/credentials"
FULL_URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
MAX_LIFETIME = datetime.timedelta(hours=1)  # containers come back for more; botocore refreshes 15 min before
UNAVAILABLE_HINT = ("to let jobs call AWS with the launcher's credentials, add that address to the host's "
                    "loopback: `make engine` as root (or `ip addr add 169.254.170.2/32 dev lo`)")


@dataclass(frozen=True, slots=True)
class ServedCredentials:
    """One answer of the endpoint: the ECS container credentials document."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str | None = field(repr=False)
    expiration: datetime.datetime

    def document(self) -> dict[str, str | None]:
        # botocore's ContainerProvider reads these four keys (Token may be null: long-term keys have none);
        # Expiration is ISO-8601, parsed with dateutil, and must carry its zone.
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Token": self.token,
            "Expiration": self.expiration.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


CredentialsSource = Callable[[], ServedCredentials | None]
"""The credentials to serve, or None when there are none; called for each request."""


class LauncherCredentials:
    """A `CredentialsSource` over the launcher's boto3 credential chain, resolved on first use and kept.

    Keeping the resolved object matters: the chain may probe the EC2 metadata service, slower than
    botocore's 2 s timeout for a container request, and refreshable credentials refresh themselves.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resolved = False
        self._credentials: Any = None

    def __call__(self) -> ServedCredentials | None:
        with self._lock:
            if not self._resolved:
                import boto3.session

                self._credentials = boto3.session.Session().get_credentials()
                self._resolved = True
            credentials = self._credentials
        if credentials is None:
            return None
        frozen = credentials.get_frozen_credentials()  # refreshes temporary credentials first if they are due
        expiration = datetime.datetime.now(datetime.UTC) + MAX_LIFETIME
        # RefreshableCredentials has no public expiry; without it a container would keep expired keys.
        expiry = getattr(credentials, "_expiry_time", None)
        if isinstance(expiry, datetime.datetime) and expiry.tzinfo is not None:
            expiration = min(expiration, expiry)
        return ServedCredentials(frozen.access_key, frozen.secret_key, frozen.token, expiration)


NO_CREDENTIALS = ("the byoc launcher has no AWS credentials to give this job: configure them where the launcher "
                  "runs (AWS_PROFILE, aws configure, aws sso login, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    token: str
    source: CredentialsSource

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the address's FQDN (reverse DNS), which can hang offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]  # type: ignore[assignment]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        if self.path != PATH:
            self._answer(404, {"code": "NotFound", "message": f"the credentials are at {PATH}"})
            return
        given = self.headers.get("Authorization")
        if given is None:
            self._answer(401, {"code": "Unauthorized", "message": f"no Authorization header (set {TOKEN_ENV})"})
            return
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            self._answer(403, {"code": "Forbidden", "message": "wrong authorization token for this job"})
            return
        try:
            served = self.server.source()
        except Exception as error:  # botocore's own errors (a broken profile, an expired SSO session, ...)
            self._answer(500, {"code": "CredentialsError",
                               "message": f"the byoc launcher could not get AWS credentials: {error}"})
            return
        if served is None:
            self._answer(500, {"code": "NoCredentials", "message": NO_CREDENTIALS})
            return
        self._answer(200, served.document())

    def _answer(self, status: int, body: dict[str, str | None]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the job's log is the containers' output, not this server's access log."""


class CredentialsEndpoint:
    """A running container credentials endpoint for one job: `serve()` makes one, `close()` ends it."""

    def __init__(self, address: str, source: CredentialsSource) -> None:
        self._server = _Server((address, 0), _Handler)  # OSError when `address` is not this host's
        self._server.token = secrets.token_urlsafe(32)
        self._server.source = source
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="credentials-endpoint", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def environment(self) -> dict[str, str]:
        """What a container needs to fetch its credentials here (the token is per job, not an AWS secret)."""
        return {FULL_URI_ENV: self.url, TOKEN_ENV: self._server.token}

    def close(self) -> None:
        """Stop serving and close the port; a request in flight may finish (its thread is a daemon)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def serve(notice: Callable[[str], None], source: CredentialsSource | None = None,
          address: str | None = None) -> Iterator[CredentialsEndpoint | None]:
    """A credentials endpoint for the block's duration, or None (after one `notice` line saying how to
    enable it) when `address` (default ENDPOINT_ADDRESS) is not this host's: a job not calling AWS runs anyway."""
    address = ENDPOINT_ADDRESS if address is None else address
    try:
        endpoint = CredentialsEndpoint(address, LauncherCredentials() if source is None else source)
    except OSError as error:
        notice(f"AWS credentials endpoint off: cannot listen on {address} ({error.strerror}); {UNAVAILABLE_HINT}")
        yield None
        return
    try:
        yield endpoint
    finally:
        endpoint.close()
