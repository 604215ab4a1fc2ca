"""A loopback relay to the container credentials endpoint, for the AWS SDK for Java v1 inside Spark.

s3a (hadoop-aws 3.3) reads credentials with the AWS SDK for Java 1.11, whose container provider takes
AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (SageMaker, ECS: always 169.254.170.2) or a FULL_URI whose host
is 127.0.0.1 or localhost, nothing else (`ContainerCredentialsProvider.ALLOWED_FULL_URI_HOSTS`).
The kit's local backend serves a FULL_URI on 169.254.170.2, which botocore accepts and that SDK
refuses. So when FULL_URI names another host, this container serves 127.0.0.1:<free port>, forwards
each GET (with its Authorization header) to the real endpoint, and the Spark processes get the relay
as their FULL_URI. With RELATIVE_URI, or a loopback FULL_URI, nothing is started.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("byoc_spark")
FULL_URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
RELATIVE_URI_ENV = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
JAVA_SDK_HOSTS = ("127.0.0.1", "localhost")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def credentials_relay(environ: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """The environment changes the Spark processes need (none, or the relay's FULL_URI)."""
    target = environ.get(FULL_URI_ENV)
    if not target or environ.get(RELATIVE_URI_ENV) or urlsplit(target).hostname in JAVA_SDK_HOSTS:
        yield {}
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(target))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="credentials-relay")
    thread.start()
    relay = f"http://127.0.0.1:{server.server_address[1]}{urlsplit(target).path or '/'}"
    log.info("credentials: relaying %s for the AWS SDK for Java at %s", target, relay)
    try:
        yield {FULL_URI_ENV: relay}
    finally:
        server.shutdown()
        server.server_close()


def _handler(target: str) -> type[BaseHTTPRequestHandler]:
    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {"Authorization": self.headers["Authorization"]} if self.headers["Authorization"] else {}
            try:
                with _NO_PROXY.open(urllib.request.Request(target, headers=headers), timeout=10) as answer:
                    self._send(answer.status, answer.read())
            except urllib.error.HTTPError as error:
                self._send(error.code, error.read())
            except (urllib.error.URLError, OSError) as error:
                self._send(502, json.dumps({"code": "RelayError", "message": f"{target}: {error}"}).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # no line per request in the job's log
            pass

    return Relay
