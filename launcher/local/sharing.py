"""Can the Docker engine bind-mount this machine's folders? Asked before any container of a job starts.

With bind staging each host's /opt/ml is a folder of the job's, bind-mounted. A bind mount names a
path *on the engine's machine*: an engine elsewhere (a remote `DOCKER_HOST`, a VM whose file sharing
leaves the folder out) silently mounts an empty folder of its own there, and the job then runs
without its inputs or config files, and ends with its outputs and exit message on the engine's side.
So before bind mounts are used the launcher proves the engine sees the jobs folder
(placement.py decides what to do with the answer):

    here:   <folder>/.engines/probe-<token>        a marker holding a random token
    engine: a container of the job's image with <folder> bind-mounted, created and never started
            (the engine's archive API reads and writes a created container's mounts: no process runs,
            so any image will do, even one without a shell)
            reads the marker back   -> the engine sees what this machine writes there
            writes probe-<token>.back -> what the engine writes there reaches this machine

A proof is kept as `<folder>/.engines/<key>`, the key hashing the engine's ID and the folder's real
path: later jobs pay one `info` call. Only proofs are kept; a folder found unseen is probed again on
the next job, so fixing the set-up needs no cache to be cleared.

Seeing the folder is not all: a FIFO carries data only within one kernel, and an engine in a VM
(Docker Desktop, Colima) may share a folder through a file-sharing layer that shows the FIFO but
never its data. `Engine.same_kernel` tells the two apart from `docker info` (see `engine_of`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import socket
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.errors import APIError, NotFound
from docker.types import Mount

from launcher.errors import EngineError

CACHE_FOLDER = ".engines"
PROBE_MOUNT = "/byoc-probe"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"


class FolderNotSharedError(EngineError):
    """Bind mounts were asked for, and the engine does not see the jobs folder, or cannot carry FIFOs."""


@dataclass(frozen=True, slots=True)
class Engine:
    """The engine a client talks to: its ID (for the cache), its name, how it was reached, where it runs."""

    engine_id: str
    name: str
    address: str  # DOCKER_HOST, or the default socket
    same_kernel: bool  # it runs on this machine's kernel: its bind mounts can carry FIFOs

    def __str__(self) -> str:
        return f"the Docker engine {self.name!r} at {self.address}"


def engine_of(info: Mapping[str, Any]) -> Engine:
    """The engine's identity from its `docker info`. It counts as on this kernel when it reports this machine's
    host name and kernel release: an engine on another machine or in a VM (Docker Desktop, Colima) reports
    its own, and so does one inside a container here (which may share the kernel but not the folders)."""
    configured = os.environ.get("DOCKER_HOST")
    address = f"DOCKER_HOST={configured}" if configured else f"{DEFAULT_SOCKET} (the default: DOCKER_HOST is not set)"
    same_kernel = info.get("Name") == socket.gethostname() and info.get("KernelVersion") == os.uname().release
    return Engine(str(info.get("ID", "")), str(info.get("Name", "")), address, same_kernel)


def not_shared(engine: Engine, folder: Path, problem: str) -> FolderNotSharedError:
    return FolderNotSharedError(
        f"{engine} does not see this machine's folder {folder} ({problem}): bind-mounted as each host's /opt/ml, "
        "it would be an empty folder of the engine's own, and the job's inputs, config files, outputs and exit "
        "message would stay on the wrong side. Stage through the engine instead (--staging volume, or leave "
        "--staging unset: it is chosen by itself), use an engine on this machine (unset DOCKER_HOST), or keep "
        "jobs in a folder the engine shares (--jobs-dir or BYOC_JOBS_DIR; Docker Desktop: Settings > Resources "
        "> File sharing)")


def no_fifos(engine: Engine) -> FolderNotSharedError:
    return FolderNotSharedError(
        f"{engine} does not run on this machine's kernel (another machine, or a VM such as Docker Desktop's): "
        "a FIFO made here never gets data across its file sharing, so Pipe-mode inputs cannot be bind-mounted. "
        "Stage through the engine instead (--staging volume, or leave --staging unset: it is chosen by itself)")


def check_folder(client: Any, engine: Engine, image: str, folder: Path, labels: dict[str, str]) -> str | None:
    """None if the engine sees `folder` both ways, else what failed; a proof is kept for later jobs."""
    cache = folder / CACHE_FOLDER
    proof = cache / _key(engine, folder)
    if proof.is_file():
        return None
    cache.mkdir(parents=True, exist_ok=True)
    problem = _probe(client, image, folder, cache, labels)
    if problem is None:
        tmp = proof.with_name(f".{proof.name}.{secrets.token_hex(4)}")
        tmp.write_text(json.dumps({"engine": engine.engine_id, "name": engine.name, "folder": str(folder)}) + "\n",
                       encoding="utf-8")
        os.replace(tmp, proof)
    return problem


def _key(engine: Engine, folder: Path) -> str:
    return hashlib.sha256(f"{engine.engine_id}\0{folder.resolve()}".encode()).hexdigest()[:32]


def _probe(client: Any, image: str, folder: Path, cache: Path, labels: dict[str, str]) -> str | None:
    token = secrets.token_hex(16)
    marker = cache / f"probe-{token}"
    back = cache / f"probe-{token}.back"
    marker.write_text(token, encoding="utf-8")
    container: Any = None
    try:
        try:
            container = client.api.create_container(
                image, labels=labels, host_config=client.api.create_host_config(
                    mounts=[Mount(PROBE_MOUNT, str(folder), type="bind")]))
        except APIError as exc:
            if exc.status_code == 400 and "does not exist" in str(exc.explanation or exc):
                return "the folder does not exist on the engine's side"  # a bind source the engine lacks
            raise EngineError(f"could not create the folder probe from {image!r}: {exc.explanation or exc}") from exc
        inside = f"{PROBE_MOUNT}/{CACHE_FOLDER}/{marker.name}"
        if _read_file(client, container["Id"], inside) != token.encode():
            return "a file written here does not appear on the engine's side"
        client.api.put_archive(container["Id"], f"{PROBE_MOUNT}/{CACHE_FOLDER}", _one_file(back.name, token.encode()))
        if not back.is_file() or back.read_text(encoding="utf-8") != token:
            return "a file the engine writes there does not appear here"
        return None
    finally:
        marker.unlink(missing_ok=True)
        back.unlink(missing_ok=True)
        if container is not None:
            with contextlib.suppress(APIError):
                client.api.remove_container(container["Id"], force=True)


def _read_file(client: Any, container: str, path: str) -> bytes | None:
    try:
        stream, _ = client.api.get_archive(container, path)
    except NotFound:
        return None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.next()
        handle = archive.extractfile(member) if member is not None else None
        return handle.read() if handle is not None else None


def _one_file(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
