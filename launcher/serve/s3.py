"""The embedded S3: moto's S3 (a well-kept implementation; its own Flask app) served in this process.

Requests arrive here already verified (auth.py); moto answers them, and every successful change is written
through to the state folder (s3store.py) before the answer leaves, so an acknowledged object survives a crash
or restart of the server.
"""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from launcher.serve.s3store import S3Store

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_MUTATING = frozenset({"PUT", "POST", "DELETE"})


class EmbeddedS3:
    def __init__(self, folder: Path) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        self.store = S3Store(folder)
        self.restored = self.store.load()
        self._app: WsgiApp = create_backend_app("s3")

    def __call__(self, environ: dict[str, Any], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        chunks = self._app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status = int(captured["status"])
        if environ["REQUEST_METHOD"] in _MUTATING and status < 300:
            self._persist(environ)
        return status, list(captured["headers"]), data

    def _persist(self, environ: dict[str, Any]) -> None:
        path = unquote(environ.get("RAW_URI", environ.get("PATH_INFO", "/")).split("?", 1)[0])
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        buckets: set[str] = set()
        key: str | None = None
        label = host.split(".", 1)[0]
        if host.count(".") and not _is_ip(host) and label not in ("s3", "localhost"):
            buckets.add(label)  # virtual-hosted style: bucket.host/key
            key = path.lstrip("/") or None
        else:
            bucket, _, rest = path.lstrip("/").partition("/")
            if bucket:
                buckets.add(bucket)
            key = rest or None
        if "uploadId" in query and environ["REQUEST_METHOD"] == "PUT":
            return  # a part of a multipart upload: nothing visible changed yet
        self.store.sync(buckets, key, all_keys="delete" in query and key is None)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
