"""Run a debug container for one host: its image, /opt/ml, environment, hostname and network alias.

The docker CLI runs it, because it gives a shell the user's terminal as it is (raw mode, resizes, Ctrl-C)
with nothing to relay. The container (`--rm`) and its network are removed when the shell or command
ends, and again by name if the CLI was itself interrupted: nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docker.errors import APIError, NotFound

from launcher.debug.kept import LABEL_DEBUG
from launcher.debug.plan import DebugPlan
from launcher.errors import EngineError
from launcher.local.cluster import labels
from launcher.local.credentials import JobCredentials
from launcher.local.workspace import JobWorkspace
from launcher.storage.transfer import unshare

# bash if the image has it, else sh: the shell the user gets without a command.
SHELL = ["/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh"]


def docker_cli() -> str:
    found = shutil.which("docker")
    if found is None:
        raise EngineError("`byoc debug` runs the container with the docker CLI, and no `docker` is on PATH: install "
                          "it (Debian: apt-get install docker.io; Docker Desktop has it)")
    return found


def run_debug(client: Any, plan: DebugPlan, command: Sequence[str] | None,
              credentials: JobCredentials | None) -> int:
    """Run `command` (or a shell) in the host's double; its exit code. With `credentials`, a sidecar
    serving them owns the host's name and network namespace, as in the job (launcher/local/credentials.py).
    Outputs the job delivered to a local folder by hard link get copies of their own first: what the session
    writes stays in the job folder."""
    cli = docker_cli()
    unshare(JobWorkspace(Path(plan.folder)).host_ml(plan.host))
    marks = {**labels(plan.job_name, plan.host, folder=plan.folder), LABEL_DEBUG: plan.host}
    try:
        network = client.networks.create(plan.container_name, driver="bridge", labels=marks)
    except APIError as exc:
        raise EngineError(f"could not create the debug network {plan.container_name}: "
                          f"{exc.explanation or exc}") from exc
    environment = {**plan.environment, **(credentials.environment() if credentials else {})}
    sidecar = f"{plan.container_name}-sidecar"
    try:
        place = ["--hostname", plan.host, "--network", network.name, "--network-alias", plan.host]
        if credentials is not None:
            place = ["--network", f"container:{_start_sidecar(client, plan, credentials, marks, network.name)}"]
        return subprocess.run(docker_run(cli, plan, command, environment, marks, place),
                              env={**os.environ, **environment}, check=False).returncode
    finally:
        for name in (plan.container_name, sidecar):  # the host's double first: it shares the sidecar's namespace
            with contextlib.suppress(NotFound):
                client.containers.get(name).remove(force=True)
        with contextlib.suppress(NotFound):
            network.remove()


def _start_sidecar(client: Any, plan: DebugPlan, credentials: JobCredentials, marks: Mapping[str, str],
                   network: str) -> str:
    spec = credentials.sidecar()
    sidecar = client.containers.create(
        spec.image, entrypoint=list(spec.entrypoint), command=[], name=f"{plan.container_name}-sidecar",
        hostname=plan.host, labels=dict(marks), network=network, detach=True,
        networking_config={network: client.api.create_endpoint_config(aliases=[plan.host])})
    sidecar.put_archive("/", spec.archive)
    sidecar.start()
    return str(sidecar.id)


def docker_run(cli: str, plan: DebugPlan, command: Sequence[str] | None, environment: Mapping[str, str],
               marks: Mapping[str, str], place: Sequence[str]) -> list[str]:
    """The `docker run` line. Values of the environment are not on it (`-e KEY` takes them from the CLI's own
    environment), so `ps` shows no secret."""
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    args = [cli, "run", "--rm", "-i", *(["-t"] if terminal else []), "--name", plan.container_name, *place,
            "--volume", f"{plan.ml}:/opt/ml" + (":nocopy" if plan.ml_volume else "")]
    for key, value in marks.items():
        args += ["--label", f"{key}={value}"]
    for key in environment:
        args += ["--env", key]
    entrypoint, *rest = list(command) if command else SHELL
    return [*args, "--entrypoint", entrypoint, plan.image, *rest]
