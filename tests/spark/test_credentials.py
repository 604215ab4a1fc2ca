"""The loopback credentials relay the AWS SDK for Java needs when FULL_URI names another host."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from byoc_spark.credentials import FULL_URI_ENV, credentials_relay


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[str | None]]]:
    """A credentials endpoint on 127.0.0.2 (not a host the AWS SDK for Java accepts) recording Authorization."""
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers["Authorization"])
            status = 200 if self.headers["Authorization"] == "token" else 401
            body = json.dumps({"AccessKeyId": "AK", "SecretAccessKey": "SK"} if status == 200 else {"code": "no"})
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_address[1]}/credentials", seen
    server.shutdown()
    server.server_close()


def fetch(url: str, token: str | None) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": token} if token else {})
    try:
        with opener.open(request, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_relay_forwards_to_the_endpoint_with_the_token(endpoint: tuple[str, list[str | None]]) -> None:
    url, seen = endpoint
    with credentials_relay({FULL_URI_ENV: url}) as changes:
        relay = changes[FULL_URI_ENV]
        assert relay.startswith("http://127.0.0.1:") and relay.endswith("/credentials")
        assert fetch(relay, "token") == (200, {"AccessKeyId": "AK", "SecretAccessKey": "SK"})
        assert fetch(relay, None) == (401, {"code": "no"})
    assert seen == ["token", None]


@pytest.mark.parametrize("environ", [
    {},
    {FULL_URI_ENV: "http://127.0.0.1:9/credentials"},
    {FULL_URI_ENV: "http://localhost:9/credentials"},
    {FULL_URI_ENV: "http://169.254.170.2:9/x", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"},
])
def test_no_relay_when_the_java_sdk_can_reach_the_credentials_itself(environ: dict[str, str]) -> None:
    with credentials_relay(environ) as changes:
        assert changes == {}


def test_an_unreachable_endpoint_is_a_relay_error() -> None:
    with credentials_relay({FULL_URI_ENV: "http://127.0.0.3:9/credentials"}) as changes:
        status, body = fetch(changes[FULL_URI_ENV], "token")
    assert status == 502 and body["code"] == "RelayError"
