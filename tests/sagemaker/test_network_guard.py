"""The session-wide guard in tests/conftest.py: nothing in this process reaches past the loopback."""

from __future__ import annotations

import socket
import urllib.request

import boto3
import pytest
from botocore.exceptions import HTTPClientError

from tests.conftest import OutboundConnectionError


def forget(blocked: list[str], before: int) -> list[str]:
    """The refusals this test provoked on purpose, removed so the per-test check does not fail it."""
    provoked = blocked[before:]
    del blocked[before:]
    return provoked


def test_connections_and_lookups_outside_loopback_are_refused(loopback_only: list[str]) -> None:
    before = len(loopback_only)
    with pytest.raises(OutboundConnectionError, match=r"203\.0\.113\.7"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with pytest.raises(OutboundConnectionError, match=r"example\.com"):
        urllib.request.urlopen("http://example.com/", timeout=1)
    assert len(forget(loopback_only, before)) == 2


def test_an_aws_client_without_endpoint_is_refused_by_name(loopback_only: list[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    before = len(loopback_only)
    sts = boto3.session.Session().client("sts", region_name="us-east-1")
    with pytest.raises(HTTPClientError, match=r"refused a name lookup of 'sts\.us-east-1\.amazonaws\.com'"):
        sts.get_caller_identity()
    assert forget(loopback_only, before)


@pytest.mark.docker
def test_loopback_and_unix_sockets_pass(moto_endpoint: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{moto_endpoint}/moto-api/data.json") as response:
        assert response.status == 200
    import docker

    assert docker.from_env().ping()
