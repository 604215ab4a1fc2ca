"""The AWS wire protocols, server side: requests parsed and responses written by moto's and botocore's code.

    bytes in --moto JSONParser / QueryParser (botocore's service model)--> params
             --botocore ParamValidator + the model's constraints--------> ValidationException naming the field
    result   --moto JSONSerializer / QuerySerializer------------------> the body botocore's parsers expect
    error    --the same serializers: `__type` + `message` (JSON), <ErrorResponse> (query)

Nothing here knows an operation's meaning; the APIs (`sagemaker_api`, `logs_api`, `sts_api`) return
plain dicts with the API's own member names and raise `ServiceFault` or a `LauncherError`.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator
from moto.core.model import OperationModel, ServiceModel
from moto.core.parse import JSONParser, QueryParser
from moto.core.serialize import JSONSerializer, QuerySerializer, ResponseSerializer
from moto.core.utils import get_service_model

from launcher.errors import LauncherError
from launcher.serve.constraints import check_constraints


class ServiceFault(Exception):
    """An AWS error answer that is not one of the launcher's errors (a refused signature, an unknown operation,
    a constraint of the service model): `code` (botocore's `Error.Code`), `message`, the HTTP status AWS uses.
    The launcher's own errors reach the client through `from_launcher_error`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def from_launcher_error(error: LauncherError) -> ServiceFault:
    """The one mapping from the launcher's error tree to what the endpoint answers (errors.py draws it)."""
    return ServiceFault(error.aws_code, str(error), error.http_status)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


@functools.cache
def model(service: str) -> ServiceModel:
    """botocore's own service model (shipped with boto3, follows the API), wrapped for moto's serializers."""
    return get_service_model(service)


def operation(service: str, name: str) -> OperationModel:
    try:
        found: OperationModel = model(service).operation_model(name)
    except Exception:  # botocore's OperationNotFoundError
        raise ServiceFault("UnknownOperationException", f"{service} has no operation {name}") from None
    return found


def _timestamp(value: Any) -> datetime:
    return parse_timestamp(value).astimezone(UTC)  # type: ignore[no-any-return]


def _request(body: bytes, values: Any) -> Any:
    return {"body": body, "headers": {}, "method": "POST", "url_params": {}, "url_path": "/", "values": values}


def parse_json(op: OperationModel, body: bytes) -> dict[str, Any]:
    return dict(JSONParser(op, timestamp_parser=_timestamp).parse(_request(body, {})))


def parse_query(op: OperationModel, values: Any) -> dict[str, Any]:
    return dict(QueryParser(op, timestamp_parser=_timestamp).parse(_request(b"", values)))


_validator = ParamValidator()


def validate(op: OperationModel, params: Mapping[str, Any]) -> None:
    """The checks the service makes before it does anything: botocore's (required members, types, minimum
    lengths and values) and then the model's maximum lengths, ranges, patterns and enums, each naming the field.
    """
    if op.input_shape is None:
        return
    report = _validator.validate(params, op.input_shape)
    if report.has_errors():
        raise ServiceFault("ValidationException", report.generate_report())
    problems = check_constraints(params, op.input_shape)
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        raise ServiceFault("ValidationException", count + "; ".join(problems))


def _serializer(op: OperationModel) -> ResponseSerializer:
    protocol = op.service_model.protocol
    return QuerySerializer(op) if protocol == "query" else JSONSerializer(op)


def answer(op: OperationModel, result: Mapping[str, Any]) -> Response:
    out = _serializer(op).serialize(dict(result))
    return _response(out["status_code"], out["headers"], out["body"])


class _WireError(Exception):
    """What moto's serializers read from an exception: `code` picks the error shape, `message` the text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error(service: str, op_name: str | None, err: ServiceFault) -> Response:
    """The error as the service's protocol writes it; the HTTP status is AWS's for that code."""
    op = model(service).operation_model(op_name) if op_name else OperationModel({}, model(service))
    with warnings.catch_warnings():  # moto warns of codes its models lack (the common ones, ours)
        warnings.simplefilter("ignore")
        out = _serializer(op).serialize(_WireError(err.code, err.message))
    headers = dict(out["headers"])
    if model(service).protocol == "json":
        # AWS JSON services answer `message`; botocore reads either, the CLI prints it.
        body = json.loads(out["body"])
        body["message"] = body.pop("Message", err.message)
        out["body"] = json.dumps(body)
    return _response(err.status, headers, out["body"])


def _response(status: int, headers: Mapping[str, str], body: str | bytes) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(status, {**headers, "Content-Length": str(len(data))}, data)
