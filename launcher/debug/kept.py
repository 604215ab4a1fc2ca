"""Containers that outlive a job: failed hosts kept by `byoc run --keep`, and anything a crash left.

They carry the job's labels (`byoc.job`, `byoc.host`), so they are found by job; `byoc clean` removes those
of finished jobs only (never a running job's) and the networks and volumes (volume staging) left with them.
"""

from __future__ import annotations

from typing import Any

from launcher.errors import JobStateError
from launcher.local.backend import LocalBackend
from launcher.local.cluster import KIT, LABEL_FOLDER, LABEL_HOST, LABEL_JOB, LABEL_KIT, sweep

LABEL_DEBUG = "byoc.debug"


def kept_container(client: Any, job_name: str, folder: str, host: str) -> str | None:
    """The name of the host's own container, if it was kept."""
    for container in client.containers.list(all=True, filters={"label": [
            f"{LABEL_JOB}={job_name}", f"{LABEL_FOLDER}={folder}", f"{LABEL_HOST}={host}"]}):
        if LABEL_DEBUG not in container.labels:
            return str(container.name)
    return None


def clean(client: Any, backend: LocalBackend, job_name: str | None) -> dict[str, int]:
    """Remove what finished jobs left in the engine: job name -> containers, networks and volumes removed.

    With `job_name`, that job (which must have ended); else every finished job of the backend's jobs folder.
    """
    if job_name is not None:
        status = backend.describe(job_name)
        if not status.is_terminal:
            raise JobStateError(f"job {job_name!r} is {status.status}: only a finished job's containers are removed")
        return {job_name: sweep(client, job_name, _folder(backend, job_name))}
    # The plain listing: other jobs' containers may go while it is read, and no inspect of each is needed.
    everything = {"label": f"{LABEL_KIT}={KIT}"}
    found = ([c.get("Labels") or {} for c in client.api.containers(all=True, filters=everything)]
             + [n.attrs.get("Labels") or {} for n in client.networks.list(filters=everything)]
             + [v.attrs.get("Labels") or {} for v in client.volumes.list(filters=everything)])
    labelled = {(str(marks.get(LABEL_JOB)), str(marks.get(LABEL_FOLDER))) for marks in found}
    finished = {(status.job_name, _folder(backend, status.job_name)) for status in backend.list()
                if status.is_terminal}
    return {job: sweep(client, job, folder) for job, folder in sorted(labelled & finished)}


def _folder(backend: LocalBackend, job_name: str) -> str:
    return str(backend.workspace(job_name).folder)
