"""What a debug shell reproduces of one host of a finished local job, read from the job's folder.

The job record gives the image, the hosts and their exit codes, the environment the containers got
(less the credentials endpoint's token, which died with the job) and where each host's /opt/ml was;
request.json gives ContainerEntrypoint and ContainerArguments, from which, with the image's own
ENTRYPOINT and CMD, the command the host ran.

/opt/ml: with bind staging, the host's folder in the job's folder, as the job left it, or, when its inputs
were staged once behind an overlay volume (layers.py) kept with its container, that volume (the folder is
only its upper layer, without the inputs). With volume staging,
the host's volume, which outlives the job only with its kept container (`byoc run --keep`, a failed host):
the job folder's copy lacks the File-mode inputs (they went straight into the volume) and, with an engine
elsewhere, is not where the engine can mount it, so without the volume the host is not opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launcher.check.image import image_facts
from launcher.errors import JobStateError, UsageError
from launcher.imagecommand import container_command
from launcher.local import record as records
from launcher.local.cluster import LABEL_FOLDER, LABEL_HOST, LABEL_JOB
from launcher.local.options import Staging
from launcher.local.workspace import JobWorkspace

# Keys a job's own `env` may hold (a bad habit): not passed into a debug shell unless asked.
AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True, slots=True)
class DebugPlan:
    job_name: str
    folder: str  # the job's folder: another jobs folder may hold a job of the same name
    host: str
    exit_code: int | None
    hosts: tuple[str, ...]
    image: str
    ml: str  # mounted at /opt/ml, as it was: the host's folder here, or its volume's name
    ml_volume: bool
    environment: dict[str, str]
    withheld: tuple[str, ...]  # AWS keys of the job's env left out
    command: tuple[str, ...]  # what the host's container ran
    pipe_inputs: tuple[str, ...]

    @property
    def container_name(self) -> str:
        return f"byoc-debug-{self.job_name}-{self.host}"


def plan_debug(client: Any, workspace: JobWorkspace, host: str | None, *, with_credentials: bool) -> DebugPlan:
    record = records.load(workspace.record_file)
    if not record.is_terminal:
        raise JobStateError(f"job {record.job_name!r} is {record.status}: `byoc debug` opens a finished job's host "
                            f"(wait for it, or `byoc stop {record.job_name}`)")
    hosts = tuple(h.name for h in record.hosts)
    chosen = host or next((h.name for h in record.hosts if h.exit_code not in (0, None)), hosts[0])
    if chosen not in hosts:
        raise UsageError(f"job {record.job_name!r} has no host {chosen!r} (hosts: {', '.join(hosts)})")
    request = records.load_request(workspace.request_file)
    app = request.get("AppSpecification", {})
    facts = image_facts(client, record.image_uri)
    environment = dict(record.environment) or _environment_from(request, record.job_arn)
    withheld = () if with_credentials else tuple(key for key in AWS_KEYS if key in environment)
    pipes = tuple(i["InputName"] for i in request.get("ProcessingInputs", [])
                  if i.get("S3Input", {}).get("S3InputMode") == "Pipe")
    folder = str(workspace.folder)
    volume = (_kept_volume(client, record.job_name, folder, chosen) if record.staging == Staging.VOLUME
              else _found_volume(client, record.job_name, folder, chosen))
    return DebugPlan(
        job_name=record.job_name, folder=folder, host=chosen, exit_code=record.host(chosen).exit_code, hosts=hosts,
        image=record.image_uri, ml=volume or str(workspace.host_ml(chosen)), ml_volume=volume is not None,
        environment={k: v for k, v in environment.items() if k not in withheld}, withheld=withheld,
        command=container_command(facts.entrypoint, facts.cmd, app.get("ContainerEntrypoint"),
                                  app.get("ContainerArguments")),
        pipe_inputs=pipes)


def _found_volume(client: Any, job_name: str, folder: str, host: str) -> str | None:
    for volume in client.volumes.list(filters={"label": [f"{LABEL_JOB}={job_name}", f"{LABEL_FOLDER}={folder}",
                                                         f"{LABEL_HOST}={host}"]}):
        return str(volume.name)
    return None


def _kept_volume(client: Any, job_name: str, folder: str, host: str) -> str:
    found = _found_volume(client, job_name, folder, host)
    if found is not None:
        return found
    raise UsageError(f"job {job_name!r} had each host's /opt/ml in a Docker volume (volume staging), and {host}'s "
                     "went with the job: run it again with `byoc run --keep` (a failed host's container and volume "
                     "are kept, `byoc clean` removes them), or with --staging bind (its folder stays in the job's)")


def _environment_from(request: dict[str, Any], arn: str) -> dict[str, str]:
    """For a job recorded before its environment was: the job's env and the region, as the launcher sets them."""
    region = arn.split(":")[3]
    return {**request.get("Environment", {}), "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
