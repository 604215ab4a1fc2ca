"""The AWS credentials endpoint of local jobs, reached from a container the way a job's container reaches it.

One small function on purpose: how jobs get credentials is the local backend's business
(launcher/local/credentials.py: a sidecar per host serving them on the host's loopback), and this probe
follows it. It gives a made-up key (never the launcher's credentials) to a 1-host cluster of the base
image with its sidecar, as a job's host gets them, and has the host fetch the key with the job's variables.
"""

from __future__ import annotations

import secrets
import tempfile
from typing import Any

from botocore.credentials import Credentials

from launcher.doctor.checks import Check, failed, passed
from launcher.local.cluster import Cluster, ClusterSpec, HostSpec
from launcher.local.credentials import ENDPOINT_URL, JobCredentials

PROBE_IMAGE = "byoc/base:latest"
PROBE_KEY = "BYOCDOCTORPROBE"
PROBE = ("import json, os, urllib.request as u; "
         "r = u.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], "
         "headers={'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}); "
         "print(json.load(u.urlopen(r, timeout=5))['AccessKeyId'])")
NAME = "credentials endpoint"


def credentials_endpoint_check(client: Any, image: str = PROBE_IMAGE) -> Check:
    probe = JobCredentials(Credentials(PROBE_KEY, "not-a-secret"), image)
    with tempfile.TemporaryDirectory(prefix="byoc-doctor-") as ml:
        spec = ClusterSpec(job_name=f"doctor-{secrets.token_hex(4)}", folder=ml, image=image,
                           entrypoint=("python3", "-c", PROBE), arguments=(),
                           hosts=(HostSpec("algo-1", ml, probe.environment()),), sidecar=probe.sidecar())
        with Cluster(client, spec) as cluster:
            cluster.create()
            cluster.start()
            code = cluster.wait("algo-1")
            said = b"".join(cluster.log_stream("algo-1")).decode("utf-8", errors="replace").strip()
    if code == 0 and said.endswith(PROBE_KEY):
        return passed(NAME, f"{ENDPOINT_URL} answers a job's container (from its sidecar)")
    last = said.splitlines()[-1] if said else f"exit code {code}"
    return failed(NAME, f"a container could not fetch credentials from its sidecar at {ENDPOINT_URL}: {last}",
                  f"rebuild the image the sidecars run (`make build/base`, {image}); jobs setting HTTP_PROXY "
                  "need NO_PROXY=127.0.0.1")
