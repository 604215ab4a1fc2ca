"""The EC2 instance metadata service in the launcher's credential chain: asked only where something answers for it.

botocore's chain ends with the instance metadata service (an instance role's credentials): two requests, a
token then the role, each with a 1 s timeout. Where there is no such service and nothing answers for its
address (a laptop routes 169.254.169.254 to its LAN, where nobody replies), a launcher without AWS
credentials waited 2 s at every job's start for nothing: a job without credentials is what most local runs
are. So before botocore asks it, one TCP connection to the address botocore would ask must be accepted within
PROBE_SECONDS (an EC2 instance's service accepts within a millisecond; an endpoint of the user's own gets
their `metadata_service_timeout` if that is longer). One that times out, is refused or has no route is
remembered as silent for SILENT_SECONDS by this process and those forked from it (a warm `byoc`'s jobs,
launcher/cli/warm.py), and the job's notice says the service was not asked. Anything else (this process out
of descriptors, a proxy botocore would go through, an address this module cannot read) leaves the asking to
botocore, as before. Not probed: a profile's `credential_source = Ec2InstanceMetadata` and the refresh of
credentials the service gave, which botocore does with providers of its own.
"""

from __future__ import annotations

import errno
import os
import socket
import time
from typing import Any
from urllib.parse import unquote, urlsplit

METHOD = "iam-role"  # botocore's name for the provider in its chain
PROBE_SECONDS = 0.1
SILENT_SECONDS = 60.0
_NOBODY = (errno.ETIMEDOUT, errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
_silent: dict[tuple[str, int], float] = {}  # address -> when it was found silent (time.monotonic), here


class ProbedInstanceMetadata:
    """botocore's instance metadata provider, asked only if its service's address accepts a connection. After a
    load that did not ask it, `skipped` says why."""

    METHOD = METHOD
    CANONICAL_NAME = "Ec2InstanceMetadata"

    def __init__(self, provider: Any, url: str, timeout: float) -> None:
        self.provider = provider
        self.url = url
        self.timeout = timeout
        self.skipped: str | None = None

    def load(self) -> Any:
        try:
            parts = urlsplit(self.url)
            address = (unquote(parts.hostname or ""), parts.port or (443 if parts.scheme == "https" else 80))
        except ValueError:  # a port botocore lets through and urllib cannot read: botocore's to judge
            return self.provider.load()
        where = f"the EC2 instance metadata service at {self.url}"
        found = _silent.get(address)
        if found is not None and time.monotonic() - found < SILENT_SECONDS:
            self.skipped = f"{where} was not asked: it accepted no connection {time.monotonic() - found:.0f} s ago"
            return None
        try:
            socket.create_connection(address, timeout=self.timeout).close()
        except OSError as error:
            if not isinstance(error, TimeoutError) and error.errno not in _NOBODY:
                return self.provider.load()  # says nothing of the service (no descriptor left, say)
            _silent[address] = time.monotonic()
            self.skipped = f"{where} was not asked: it accepted no connection within {self.timeout:g} s"
            return None
        return self.provider.load()


def probe_first(resolver: Any, session: Any) -> ProbedInstanceMetadata | None:
    """Put a ProbedInstanceMetadata in place of the instance metadata provider of `resolver` (botocore's
    CredentialResolver, made for `session`), and return it; None where botocore does not ask the service
    (AWS_EC2_METADATA_DISABLED) or asks it through a proxy."""
    from botocore.utils import (
        METADATA_BASE_URL,
        METADATA_BASE_URL_IPv6,
        get_environ_proxies,
        resolve_imds_endpoint_mode,
    )

    if os.environ.get("AWS_EC2_METADATA_DISABLED", "false").lower() == "true":
        return None
    methods = [provider.METHOD for provider in resolver.providers]
    if METHOD not in methods:
        return None
    # The address as botocore's fetcher chooses it: the user's endpoint, else the one of the endpoint mode.
    url = session.get_config_variable("ec2_metadata_service_endpoint") or (
        METADATA_BASE_URL_IPv6 if resolve_imds_endpoint_mode(session) == "ipv6" else METADATA_BASE_URL)
    if get_environ_proxies(url):
        return None
    timeout = PROBE_SECONDS
    if url not in (METADATA_BASE_URL, METADATA_BASE_URL_IPv6):
        timeout = max(timeout, float(session.get_config_variable("metadata_service_timeout")))
    index = methods.index(METHOD)
    probed = ProbedInstanceMetadata(resolver.providers[index], url, timeout)
    resolver.providers[index] = probed
    return probed
