"""The program a credentials sidecar runs: one job host's container credentials endpoint, on its loopback.

Every host of a job that has AWS credentials gets a sidecar container (the kit's base image, this file,
stdlib only) that owns the host's network namespace; the host's own container joins that namespace, so
this server answers on the host's 127.0.0.1, the one http address every AWS SDK accepts in
AWS_CONTAINER_CREDENTIALS_FULL_URI (botocore also takes 169.254.170.2; the AWS SDK for Java 1.x that
Spark's S3A uses takes only 127.0.0.1 and localhost):

    host container (joins the sidecar's network)          sidecar (this program)
      AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:51679/credentials
      AWS_CONTAINER_AUTHORIZATION_TOKEN=<per-job token>  -->  401 without the header, 403 for another token,
                                                              else the lease's credentials (ECS JSON)

The launcher writes the lease (LEASE_FILE, JSON) into the sidecar through the engine (put_archive)
before it starts, and rewrites it every RENEW seconds while the job runs. The lease holds the token's
SHA-256 (never the token), the credentials document and how long it stays good unrenewed
(`ttl_seconds`); a lease left unrenewed that long (the launcher's supervisor died) is refused, so no
container gets credentials from a job nobody supervises. Nothing the job container can read holds a
key: its environment has the URL and the token only, and this container's files are not its files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PORT = 51679  # the port the ECS agent serves credentials on; fixed, since every host has its own loopback
PATH = "/credentials"
LEASE_FILE = Path("/run/byoc-credentials/lease.json")


class Leases:
    """The current lease, re-read when the launcher rewrites it; refused once it goes unrenewed too long."""

    def __init__(self, file: Path, clock: Any = time.monotonic) -> None:
        self.file = file
        self.clock = clock
        self._lock = threading.Lock()
        self._raw: bytes | None = None
        self._lease: dict[str, Any] | None = None
        self._renewed = 0.0

    def current(self) -> tuple[dict[str, Any] | None, str]:
        """The lease in force, or None and why not."""
        with self._lock:
            try:
                raw = self.file.read_bytes()
            except OSError:
                raw = None
            if raw is not None and raw != self._raw:
                try:  # a rewrite caught half-way fails to parse: keep the last whole lease
                    lease = json.loads(raw)
                except ValueError:
                    lease = None
                if isinstance(lease, dict):
                    self._raw, self._lease, self._renewed = raw, lease, self.clock()
            if self._lease is None:
                return None, "the launcher has not given this job its credentials"
            if self.clock() - self._renewed > float(self._lease["ttl_seconds"]):
                return None, "the launcher stopped renewing this job's credentials (its supervisor ended)"
            return self._lease, ""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    leases: Leases

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the address's name up (reverse DNS): slow, and pointless here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        if self.path != PATH:
            self._answer(404, {"code": "NotFound", "message": f"the credentials are at {PATH}"})
            return
        given = self.headers.get("Authorization")
        if given is None:
            self._answer(401, {"code": "Unauthorized",
                               "message": "no Authorization header (set AWS_CONTAINER_AUTHORIZATION_TOKEN)"})
            return
        lease, why = self.server.leases.current()
        if lease is None:
            self._answer(403, {"code": "Forbidden", "message": why})
            return
        digest = hashlib.sha256(given.encode()).hexdigest()
        if not hmac.compare_digest(digest, str(lease["token_sha256"])):
            self._answer(403, {"code": "Forbidden", "message": "wrong authorization token for this job"})
            return
        if lease.get("error"):
            self._answer(500, {"code": "CredentialsError", "message": str(lease["error"])})
            return
        self._answer(200, lease["credentials"])

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: nobody reads a sidecar's access log."""


def serve(address: tuple[str, int], leases: Leases) -> Server:
    """A bound server (not yet serving): `serve_forever()` it."""
    server = Server(address, Handler)
    server.leases = leases
    return server


if __name__ == "__main__":
    serve(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else PORT), Leases(LEASE_FILE)).serve_forever()
