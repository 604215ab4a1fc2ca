"""The EC2 instance metadata service in the launcher's credential chain: asked only where something answers for it.

botocore's chain ends with the instance metadata service (an instance role's credentials): two requests, a
token then the role, each with a 1 s timeout. Where there is no such service and nothing answers for its
address (a laptop routes 169.254.169.254 to its LAN, where nobody replies), a launcher without AWS
credentials waited 2 s at every job's start for nothing: a job without credentials is what most local runs
are. So before botocore asks it, one TCP connection to its address must be accepted within PROBE_SECONDS; an
EC2 instance's service accepts within a millisecond. A service found silent stays so for this process and those
forked from it (a warm `byoc`'s jobs, launcher/cli/warm.py): a machine does not turn into an EC2 instance.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

METHOD = "iam-role"  # botocore's name for the provider in its chain
PROBE_SECONDS = 0.1
_silent: set[tuple[str, int]] = set()  # the services' addresses that accepted no connection in time, here


class ProbedInstanceMetadata:
    """botocore's instance metadata provider, asked only if its service's address accepts a connection."""

    METHOD = METHOD
    CANONICAL_NAME = "Ec2InstanceMetadata"

    def __init__(self, provider: Any, address: tuple[str, int]) -> None:
        self.provider = provider
        self.address = address

    def load(self) -> Any:
        if self.address in _silent:
            return None
        try:
            socket.create_connection(self.address, timeout=PROBE_SECONDS).close()
        except OSError:
            _silent.add(self.address)
            return None
        return self.provider.load()


def probe_first(resolver: Any, session: Any) -> None:
    """Put a ProbedInstanceMetadata in place of the instance metadata provider of `resolver` (botocore's
    CredentialResolver), for the address `session` has botocore ask; nothing where botocore is told not to ask
    it at all (AWS_EC2_METADATA_DISABLED)."""
    if os.environ.get("AWS_EC2_METADATA_DISABLED", "false").lower() == "true":
        return
    methods = [provider.METHOD for provider in resolver.providers]
    if METHOD not in methods:
        return
    index = methods.index(METHOD)
    resolver.providers[index] = ProbedInstanceMetadata(resolver.providers[index], _address(session))


def _address(session: Any) -> tuple[str, int]:
    """The service's host and port, chosen as botocore chooses them (its own endpoint setting, else by mode)."""
    from botocore.utils import METADATA_BASE_URL, METADATA_BASE_URL_IPv6

    url = session.get_config_variable("ec2_metadata_service_endpoint")
    if not url:
        mode = str(session.get_config_variable("ec2_metadata_service_endpoint_mode") or "ipv4").lower()
        url = METADATA_BASE_URL_IPv6 if mode == "ipv6" else METADATA_BASE_URL
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
