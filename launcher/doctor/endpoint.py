"""The AWS credentials endpoint of local jobs, reached from a container the way a job's container reaches it.

One small function on purpose: how jobs get credentials is the local backend's business
(launcher/local/credentials.py), and this probe follows it. It serves a made-up key (never the
launcher's credentials) on the endpoint, runs a container of the base image on a network of its own,
as a job's host is, and has it fetch the key with the job's variables.
"""

from __future__ import annotations

import datetime
import secrets
import tempfile
from typing import Any

from launcher.doctor.checks import Check, failed, passed
from launcher.local.cluster import Cluster, ClusterSpec, HostSpec
from launcher.local.credentials import UNAVAILABLE_HINT, ServedCredentials, serve

PROBE_IMAGE = "byoc/base:latest"
PROBE_KEY = "BYOCDOCTORPROBE"
PROBE = ("import json, os, urllib.request as u; "
         "r = u.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], "
         "headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}); "
         "print(json.load(u.urlopen(r, timeout=5))['AccessKeyId'])")
NAME = "credentials endpoint"


def credentials_endpoint_check(client: Any, image: str = PROBE_IMAGE) -> Check:
    notices: list[str] = []
    probe = ServedCredentials(PROBE_KEY, "not-a-secret", None,
                              datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5))
    with serve(notices.append, source=lambda: probe) as endpoint:
        if endpoint is None:
            return failed(NAME, f"off: {notices[0].split(': ', 1)[-1].split('; ')[0]}; jobs cannot call AWS with "
                                "the launcher's credentials", UNAVAILABLE_HINT)
        with tempfile.TemporaryDirectory(prefix="byoc-doctor-") as ml:
            spec = ClusterSpec(job_name=f"doctor-{secrets.token_hex(4)}", image=image,
                               entrypoint=("python3", "-c", PROBE), arguments=(),
                               hosts=(HostSpec("algo-1", ml, endpoint.environment()),))
            with Cluster(client, spec) as cluster:
                cluster.create()
                cluster.start()
                code = cluster.wait("algo-1")
                said = b"".join(cluster.log_stream("algo-1")).decode("utf-8", errors="replace").strip()
        if code == 0 and said.endswith(PROBE_KEY):
            return passed(NAME, f"{endpoint.url} answers a job's container")
        last = said.splitlines()[-1] if said else f"exit code {code}"
        return failed(NAME, f"a container could not fetch credentials from {endpoint.url}: {last}",
                      "let the engine's bridge networks reach the host's 169.254.170.2 (a host firewall, a proxy: "
                      "jobs setting HTTP_PROXY need NO_PROXY=169.254.170.2)")
