"""Which staging a job gets (hostfiles.py): bind mounts where the engine can honour them, volumes elsewhere.

    --staging volume   volumes, whatever the engine
    --staging bind     bind mounts (inputs staged once behind overlay volumes where that applies,
                       layers.py); an engine that does not see the jobs folder fails the job at once with
                       a ClientError naming the engine, the folder and the ways out, and so does a Pipe
                       input on an engine that is not on this machine's kernel (FIFOs would not carry data)
    unset              bind mounts when the engine is on this machine's kernel and proven to see the jobs
                       folder (sharing.py; the proof is kept, so this costs one `docker info` after the
                       first job), else volumes, with a notice saying why

Asked before anything is written for the job's containers, so no job ever runs with its files on the
wrong side of the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from launcher.local.cluster import labels
from launcher.local.hostfiles import BindFiles, HostFiles, JobFiles
from launcher.local.options import Staging
from launcher.local.sharing import check_folder, engine_of, no_fifos, not_shared


def host_files(client: Any, info: Mapping[str, Any], files: JobFiles, job_name: str, staging: Staging | None,
               notice: Callable[[str], None], layered_inputs: bool = True) -> HostFiles:
    """The job's staging (see the module docstring), on the engine whose `docker info` is `info`; `layered_inputs`
    False: bind mounts never use layers."""
    if staging is Staging.VOLUME:
        return _volumes(files, client, job_name)
    engine = engine_of(info)
    volumes = ("each host's /opt/ml is a Docker volume, filled and emptied through the engine's API (slower "
               f"than a bind mount): {engine}")
    if staging is None and not engine.same_kernel:
        notice(f"{volumes} does not run on this machine's kernel (another machine, or a VM such as Docker "
               "Desktop's)")
        return _volumes(files, client, job_name)
    folder = files.workspace.folder.parent
    probe_labels = labels(job_name, folder=str(files.workspace.folder))
    problem = check_folder(client, engine, files.job.image_uri, folder, probe_labels)
    if problem is None:
        if not engine.same_kernel and any(i.s3_input_mode == "Pipe" for i in files.job.inputs):
            raise no_fifos(engine)
        return _bind(files, client, job_name) if layered_inputs else BindFiles(files)
    if staging is Staging.BIND:
        raise not_shared(engine, folder, problem)
    notice(f"{volumes} does not see this machine's folder {folder} ({problem})")
    return _volumes(files, client, job_name)


def _bind(files: JobFiles, client: Any, job_name: str) -> HostFiles:
    """Bind mounts; with the inputs staged once behind overlays where that applies (layers.py)."""
    from launcher.local.layers import LayeredFiles, layered

    if layered(files.job, len(files.hosts)):
        return LayeredFiles(files, client, job_name)
    return BindFiles(files)


def _volumes(files: JobFiles, client: Any, job_name: str) -> HostFiles:
    """Volume staging; its modules load only for a job that uses it, so bind mounts pay nothing for them."""
    from launcher.local.volumes import VolumeFiles

    return VolumeFiles(files, client, job_name)
