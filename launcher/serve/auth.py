"""SigV4 verification of every request: botocore's own signer recomputes the signature from what arrived.

Whoever can reach the endpoint can run containers with host folders mounted, so nothing is served without a
signature made with a key the server holds (`keys.KeyRing`). The refusals are AWS's own, per protocol:

    no signature         JSON: MissingAuthenticationTokenException 400   query: MissingAuthenticationToken 403
                         S3: AccessDenied 403
    unknown access key   JSON: UnrecognizedClientException 400           query: InvalidClientTokenId 403
                         S3: InvalidAccessKeyId 403
    wrong signature      JSON: InvalidSignatureException 400             query/S3: SignatureDoesNotMatch 403
    clock skew > 15 min  JSON: InvalidSignatureException 400 ("Signature expired")  S3: RequestTimeTooSkewed 403
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import EMPTY_SHA256_HASH, S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from launcher.serve.keys import KeyRing
from launcher.serve.wire import ServiceFault

MAX_SKEW = timedelta(minutes=15)
_AUTH = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                   r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$")
_SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method. Consult the service documentation "
                       "for details.")
_INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as it arrived: `path` and `query` raw (still percent-encoded), headers as sent."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Signed:
    """Who signed a verified request: the access key, and the service and region of its credential scope."""

    access_key_id: str
    service: str
    region: str


def scope_service(headers: Mapping[str, str]) -> str | None:
    """The service named in the Authorization header's credential scope (used to route), if any."""
    match = _AUTH.match(_header(headers, "authorization") or "")
    return match.group(4) if match else None


def verify(request: Incoming, keys: KeyRing, protocol: str, now: datetime | None = None) -> Signed:
    """The signer of `request`, or the ServiceFault AWS answers for `protocol` ("json", "query", "s3")."""
    header = _header(request.headers, "authorization")
    if header is None:
        raise _missing(protocol)
    match = _AUTH.match(header)
    if match is None:
        raise _refusal(protocol, "signature", "Authorization header is not AWS4-HMAC-SHA256 with Credential, "
                                              "SignedHeaders and Signature")
    access_key_id, day, region, service, signed_headers, signature = match.groups()
    key = keys.get(access_key_id)
    if key is None:
        raise _refusal(protocol, "key", None)
    token = _header(request.headers, "x-amz-security-token")
    if key.session_token is not None and token != key.session_token:
        raise _refusal(protocol, "key", None)
    stamp = _header(request.headers, "x-amz-date") or ""
    try:
        moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise _refusal(protocol, "signature", f"X-Amz-Date {stamp!r} is not of the form YYYYMMDDTHHMMSSZ") from None
    current = now or datetime.now(UTC)
    if abs(current - moment) > MAX_SKEW or not stamp.startswith(day):
        raise _expired(protocol, stamp, current)
    expected = _signature(request, signed_headers.split(";"), Credentials(access_key_id, key.secret_access_key),
                          service, region, stamp)
    if not hmac.compare_digest(expected, signature):
        raise _refusal(protocol, "signature", None)
    if protocol == "s3":
        _check_payload(request)
    return Signed(access_key_id, service, region)


def _signature(request: Incoming, signed: list[str], credentials: Credentials, service: str, region: str,
               stamp: str) -> str:
    headers = {name: request.headers[name] for name in _present(request.headers, signed)}
    url = f"http://{_header(request.headers, 'host') or 'localhost'}{request.path}"
    if request.query:
        url += f"?{request.query}"
    prepared = AWSRequest(method=request.method, url=url, headers=headers, data=request.body)
    prepared.context["timestamp"] = stamp
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(credentials, service, region)
    canonical = signer.canonical_request(prepared)
    return str(signer.signature(signer.string_to_sign(prepared, canonical), prepared))


def _present(headers: Mapping[str, str], signed: list[str]) -> list[str]:
    lower = {name.lower(): name for name in headers}
    return [lower[name] for name in signed if name in lower]


def _check_payload(request: Incoming) -> None:
    """S3 signs the payload's hash in a header; the body that arrived must be the one that was signed."""
    declared = _header(request.headers, "x-amz-content-sha256")
    if declared is None or not re.fullmatch(r"[0-9a-f]{64}", declared):
        return  # UNSIGNED-PAYLOAD, streaming: the chunks or checksums carry the integrity
    actual = hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256_HASH
    if actual != declared:
        raise ServiceFault("XAmzContentSHA256Mismatch",
                           "The provided 'x-amz-content-sha256' header does not match what was computed.", 400)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _missing(protocol: str) -> ServiceFault:
    if protocol == "json":
        return ServiceFault("MissingAuthenticationTokenException", "Missing Authentication Token", 400)
    if protocol == "query":
        return ServiceFault("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    return ServiceFault("AccessDenied", "Access Denied: the request is not signed (this endpoint serves only "
                                        "SigV4-signed requests)", 403)


def _refusal(protocol: str, what: str, detail: str | None) -> ServiceFault:
    if what == "key":
        if protocol == "json":
            return ServiceFault("UnrecognizedClientException", _INVALID_TOKEN, 400)
        if protocol == "query":
            return ServiceFault("InvalidClientTokenId", _INVALID_TOKEN, 403)
        return ServiceFault("InvalidAccessKeyId",
                            "The AWS Access Key Id you provided does not exist in our records.", 403)
    message = _SIGNATURE_MISMATCH if detail is None else f"{_SIGNATURE_MISMATCH} ({detail})"
    if protocol == "json":
        return ServiceFault("InvalidSignatureException", message, 400)
    return ServiceFault("SignatureDoesNotMatch", message, 403)


def _expired(protocol: str, stamp: str, now: datetime) -> ServiceFault:
    message = (f"Signature expired: {stamp} is now earlier than {(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} "
               f"({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)")
    if protocol == "s3":
        return ServiceFault("RequestTimeTooSkewed",
                            "The difference between the request time and the current time is too large.", 403)
    if protocol == "query":
        return ServiceFault("SignatureDoesNotMatch", message, 403)
    return ServiceFault("InvalidSignatureException", message, 400)
