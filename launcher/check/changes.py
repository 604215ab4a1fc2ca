"""What a job's hosts wrote: into their own filesystem (`docker diff` of each container, kept after it
exited for this) and into their /opt/ml (the host folders, walked after the job).

Both are lost on SageMaker unless they are under an output LocalPath; /tmp is scratch by convention and
the exit message is the contract's. Bytecode caches (`__pycache__`) are Python's own and not listed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from launcher.local.cluster import LABEL_HOST, LABEL_JOB
from launcher.local.workspace import CONTAINER_ML, JobWorkspace

KINDS = {0: "changed", 1: "added", 2: "deleted"}
CONFIG_FILES = frozenset({"/opt/ml/config/processingjobconfig.json", "/opt/ml/config/resourceconfig.json"})
MESSAGE_FILE = "/opt/ml/output/message"


@dataclass(frozen=True, slots=True)
class Change:
    """One path a host changed, as a container path; `kind` is added, changed or deleted."""

    path: str
    kind: str


def container_changes(client: Any, job_name: str) -> dict[str, tuple[Change, ...]]:
    """`docker diff` of each of the job's containers, by host."""
    found = {}
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_JOB}={job_name}"}):
        host = container.labels.get(LABEL_HOST)
        if host is not None:
            diff = client.api.diff(container.id) or []
            found[host] = tuple(Change(item["Path"], KINDS.get(item["Kind"], "changed")) for item in diff)
    return found


def ml_files(workspace: JobWorkspace, hosts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every file in each host's /opt/ml after the job, as container paths."""
    found = {}
    for host in hosts:
        root = workspace.host_ml(host)
        paths: list[str] = []
        for folder, _, files in os.walk(root):
            paths.extend(str(CONTAINER_ML / Path(folder, name).relative_to(root)) for name in files)
        found[host] = tuple(sorted(paths))
    return found


def written_outside(changes: tuple[Change, ...], ml: tuple[str, ...], inputs: tuple[str, ...],
                    outputs: tuple[str, ...]) -> list[Change]:
    """The writes of one host that SageMaker would not keep: not under an output LocalPath, /tmp or
    the exit message; files in input LocalPaths are the inputs themselves and are not counted."""
    listed = [change for change in changes if _counts(change, changes)]
    kept = (*outputs, "/tmp")
    in_ml = [Change(path, "added") for path in ml if path not in CONFIG_FILES and path != MESSAGE_FILE
             and not _under(path, (*inputs, *outputs)) and not _cache(path)]
    return [change for change in (*listed, *in_ml) if not _under(change.path, kept)]


def _counts(change: Change, changes: tuple[Change, ...]) -> bool:
    path = PurePosixPath(change.path)
    if _cache(change.path) or path == CONTAINER_ML or path in CONTAINER_ML.parents:
        return False  # /opt/ml and its parents are the bind mount's mount point
    # A folder whose only change is that something under it changed is listed by that something.
    return not (change.kind == "changed" and any(PurePosixPath(other.path).is_relative_to(path) and other is not change
                                                  for other in changes))


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(PurePosixPath(path).is_relative_to(PurePosixPath(folder)) for folder in folders)


def _cache(path: str) -> bool:
    return "__pycache__" in PurePosixPath(path).parts


def by_path(writes: Mapping[str, list[Change]]) -> dict[str, list[str]]:
    """Path -> the hosts that wrote it, in path order: one line per path, however many hosts wrote it."""
    hosts_of: dict[str, list[str]] = {}
    for host, changes in sorted(writes.items()):
        for change in changes:
            label = change.path if change.kind != "deleted" else f"{change.path} (deleted)"
            hosts = hosts_of.setdefault(label, [])
            if host not in hosts:
                hosts.append(host)
    return dict(sorted(hosts_of.items()))
