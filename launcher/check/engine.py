"""The engine `byoc check` can judge an image on: one on this machine's kernel that bind-mounts the check's folder.

The check sees a job from this machine: the hosts' reads are inotify events on their bind-mounted /opt/ml
folders (watch.py), what they wrote there is walked in those folders (changes.py), and whether PID 1 handles
SIGTERM is read in /proc (scenarios.py). With volume staging (an engine elsewhere, or one that does not see
the folder) none of it is visible, so the check refuses such an engine before it runs anything, rather than
judge from evidence it could not gather.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from launcher.local.cluster import labels
from launcher.local.sharing import FolderNotSharedError, check_folder, engine_of

WHY = ("byoc check watches each host's /opt/ml from this machine (reads by inotify, writes in the folder, PID 1's "
       "signal handlers in /proc), so it runs jobs with bind-mounted folders only; volume staging is not supported")
WAYS_OUT = ("Run the check against a Docker engine on this machine (unset DOCKER_HOST), or with TMPDIR in a folder "
            "the engine shares (the check's jobs live in a temporary folder there)")


def require_bind_mounts(client: Any, image: str, folder: Path, job_name: str) -> None:
    """Raise unless the engine runs on this kernel and sees `folder` both ways (the kept proof serves the runs)."""
    engine = engine_of(client.info())
    if not engine.same_kernel:
        raise FolderNotSharedError(f"{WHY}: {engine} does not run on this machine's kernel (another machine, or a "
                                   f"VM such as Docker Desktop's). {WAYS_OUT}")
    problem = check_folder(client, engine, image, folder, labels(job_name))
    if problem is not None:
        raise FolderNotSharedError(f"{WHY}: {engine} does not see this machine's folder {folder} ({problem}). "
                                   f"{WAYS_OUT}")
