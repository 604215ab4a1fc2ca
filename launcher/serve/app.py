"""The endpoint as one WSGI application: route by service, verify the signature, answer in the service's protocol.

    X-Amz-Target: SageMaker.<Op>        -> sagemaker_api (JSON 1.1)
    X-Amz-Target: Logs_20140328.<Op>    -> logs_api (JSON 1.1)
    Action=<Op>, scope .../sts/...      -> sts_api (query)
    anything else                       -> S3 (REST): the embedded moto S3

Every request is SigV4-verified first (auth.py) and logged in one line. A `LauncherError` from the backend
becomes its `aws_code` and `http_status` (the one mapping, in wire.py); anything unexpected is an
InternalFailure whose traceback goes to the log, never to the client.
"""

from __future__ import annotations

import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, TextIO
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

from launcher.errors import LauncherError
from launcher.serve import auth, sts_api, wire
from launcher.serve.keys import KeyRing
from launcher.serve.s3 import EmbeddedS3
from launcher.serve.wire import Response, ServiceFault

Handler = Callable[[dict[str, Any]], dict[str, Any]]
_TARGETS = {"SageMaker": "sagemaker", "Logs_20140328": "logs"}
_NAMES = {"sagemaker": "SageMaker", "logs": "Logs", "sts": "STS", "s3": "S3"}


@dataclass(frozen=True, slots=True)
class _Route:
    service: str  # sagemaker, logs, sts, s3
    protocol: str  # json, query, s3
    operation: str | None


class Endpoint:
    def __init__(self, keys: KeyRing, handlers: dict[str, dict[str, Handler]], s3: EmbeddedS3 | None,
                 s3_elsewhere: str | None, log: TextIO = sys.stderr) -> None:
        self.keys = keys
        self.handlers = handlers
        self.s3 = s3
        self.s3_elsewhere = s3_elsewhere
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        body = request.get_data(cache=True)
        headers = dict(request.headers.items())
        route = _route(headers, body)
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        incoming = auth.Incoming(request.method, raw_path.split("?", 1)[0], environ.get("QUERY_STRING", ""),
                                 headers, body)
        detail = ""
        try:
            signed = auth.verify(incoming, self.keys, route.protocol)
            if route.service == "s3":
                status, out_headers, data = self._s3(environ, body)
                detail = f"{request.method} {request.path}"
            else:
                response, detail = self._call(route, body, request, signed)
                status, out_headers, data = response.status, list(response.headers.items()), response.body
        except ServiceFault as error:
            status, out_headers, data = self._error(route, error)
            detail = f"{detail} {error.code}: {error.message}".strip()
        start_response(f"{status} {_reason(status)}", [*out_headers, ("x-amzn-RequestId", _request_id())])
        self._line(request, route, status, started, detail)
        return [data]

    def _call(self, route: _Route, body: bytes, request: Request, signed: auth.Signed) -> tuple[Response, str]:
        if route.operation is None:
            raise ServiceFault("InvalidAction", "no Action or X-Amz-Target: this endpoint serves SageMaker, "
                                                "CloudWatch Logs, STS and S3")
        if route.service == "sts" and signed.service != "sts":
            raise ServiceFault("InvalidAction", f"{signed.service.upper()} {route.operation} is not served by byoc "
                                                "serve (a role given as a full ARN needs no IAM call)")
        op = wire.operation(route.service, route.operation)
        if route.service == "sts":
            params = wire.parse_query(op, request.form)
            wire.validate(op, params)
            if route.operation != "GetCallerIdentity":
                raise ServiceFault("InvalidAction", f"STS {route.operation} is not served here (only "
                                                    "GetCallerIdentity)")
            return wire.answer(op, sts_api.get_caller_identity(signed.access_key_id)), signed.access_key_id
        handler = self.handlers[route.service].get(route.operation)
        if handler is None:
            raise ServiceFault("UnknownOperationException",
                               f"{_NAMES[route.service]} {route.operation} is not served by byoc serve (it serves "
                               f"{', '.join(sorted(self.handlers[route.service]))})")
        params = wire.parse_json(op, body)
        wire.validate(op, params)
        try:
            result = handler(params)
        except LauncherError as error:
            raise wire.from_launcher_error(error) from None
        except ServiceFault:
            raise
        except Exception:
            traceback.print_exc(file=self.log)
            raise ServiceFault("InternalFailure", "byoc serve failed unexpectedly (a bug): see its log", 500) from None
        name = params.get("ProcessingJobName") or params.get("logStreamName") or params.get("ResourceArn") or ""
        return wire.answer(op, result), str(name)

    def _s3(self, environ: dict[str, Any], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.s3 is None:
            raise ServiceFault("NotImplemented", f"byoc serve passes S3 through to {self.s3_elsewhere}: send S3 "
                                                 f"requests there (AWS_ENDPOINT_URL_S3={self.s3_elsewhere})", 501)
        try:
            return self.s3(environ, body)
        except Exception:
            traceback.print_exc(file=self.log)
            raise ServiceFault("InternalError", "the embedded S3 failed unexpectedly: see byoc serve's log",
                               500) from None

    @staticmethod
    def _error(route: _Route, error: ServiceFault) -> tuple[int, list[tuple[str, str]], bytes]:
        if route.protocol == "s3":
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{_xml(error.code)}</Code>'
                    f"<Message>{_xml(error.message)}</Message></Error>").encode()
            return error.status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))], body
        response = wire.error(route.service, route.operation if route.service != "sts" else None, error)
        return response.status, list(response.headers.items()), response.body

    def _line(self, request: Request, route: _Route, status: int, started: float, detail: str) -> None:
        what = f"{_NAMES[route.service]}.{route.operation}" if route.operation else _NAMES[route.service]
        elapsed = (time.perf_counter() - started) * 1000
        stamp = datetime.now().strftime("%H:%M:%S")
        print(f"{stamp} {request.remote_addr} {what} {status} {elapsed:.0f}ms {detail}".rstrip(), file=self.log,
              flush=True)


def _route(headers: dict[str, str], body: bytes) -> _Route:
    lower = {k.lower(): v for k, v in headers.items()}
    target = lower.get("x-amz-target")
    if target:
        prefix, _, operation = target.partition(".")
        service = _TARGETS.get(prefix)
        if service is None:
            return _Route("sagemaker", "json", None)
        return _Route(service, "json", operation or None)
    scope = auth.scope_service(headers)
    if scope == "s3" or (scope is None and "form-urlencoded" not in lower.get("content-type", "")):
        return _Route("s3", "s3", None)
    form = dict(parse_qsl(body.decode("utf-8", errors="replace")))
    return _Route("sts", "query", form.get("Action"))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _request_id() -> str:
    return str(uuid.uuid4())
