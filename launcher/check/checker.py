"""`byoc check IMAGE`: gather the evidence (the image's facts and layers, then its runs), judge every rule.

The runs go through the local backend like any job, into a temporary jobs folder removed at the end, and
only when the image is linux/amd64: anything else cannot run here any more than on SageMaker. They need
bind-mounted host folders (engine.py): an engine that would need volume staging is refused first.

The runs are independent jobs, so they run at once, while the layers are read: a check takes about as long
as its longest run (a Spark job on 2 hosts: a cluster to start), not the sum of four runs and a
`docker save`. Only without a job file does one run wait for others: the missing-input run is worth making
only if the 1- and 2-host runs read the sample inputs at all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from launcher.check.engine import require_bind_mounts
from launcher.check.evidence import Evidence
from launcher.check.image import image_facts, user_ids
from launcher.check.layers import HOST_CA_BUNDLE, scan_image, secret_environment
from launcher.check.model import Report
from launcher.check.plan import JobPlan, plan_from_image, plan_from_job_file
from launcher.check.probe import probe_output_write
from launcher.check.rules import JUDGES
from launcher.check.scenarios import Run, Scenarios
from launcher.local.cluster import engine
from launcher.local.options import DEFAULT_REGION, DEFAULT_STOP_GRACE_SECONDS

Progress = Callable[[str], None]
SCENARIOS = ("one-host", "two-hosts", "missing-input", "sigterm")


@dataclass(frozen=True, slots=True)
class CheckOptions:
    job_file: Path | None = None
    # SIGTERM to SIGKILL in the sigterm run: SageMaker documents none for processing; training's 120 s, as the
    # local backend's
    grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS
    signal_after_seconds: float = 3.0  # the longest wait for PID 1 to handle SIGTERM before it is sent anyway
    timeout_seconds: int = 600  # each run's MaxRuntimeInSeconds, at most
    max_image_bytes: int = 10 * 1000**3
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    host_ca_bundle: Path | None = HOST_CA_BUNDLE


def check(image: str, options: CheckOptions, progress: Progress = lambda _: None) -> Report:
    given = plan_from_job_file(options.job_file, image) if options.job_file else None  # a bad file: exit 2 first
    client = engine()
    facts = image_facts(client, image)
    with tempfile.TemporaryDirectory(prefix="byoc-check-", ignore_cleanup_errors=True) as temporary:
        folder = Path(temporary)
        plan = given or plan_from_image(image, folder)
        if facts.runs_on_sagemaker:  # before the slow part: an engine the runs could not be watched on is refused
            require_bind_mounts(client, image, folder, f"byoc-check-{plan.token}")
        progress(f"reading the {facts.layers} layers of {image}")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-layers") as reader:
            scanned = reader.submit(lambda: tuple(scan_image(client, image, options.host_ca_bundle)))
            user = user_ids(client, facts)
            probe = probe_output_write(client, facts) if not user.is_root and facts.runs_on_sagemaker else None
            if facts.runs_on_sagemaker:
                runs, skipped = _run_scenarios(
                    Scenarios(client, folder, region=options.region, endpoint_url=options.endpoint_url,
                              grace_seconds=options.grace_seconds, signal_after_seconds=options.signal_after_seconds),
                    plan, folder, options, progress)
            else:
                runs, skipped = {}, dict.fromkeys(SCENARIOS, f"not run: the image is {facts.platform}, and neither "
                                                             "this engine nor SageMaker runs it")
            secrets = scanned.result()
    evidence = Evidence(facts, plan, user, probe, secrets, tuple(secret_environment(facts.env)),
                        options.grace_seconds, options.max_image_bytes, runs, skipped)
    return Report(image, options.job_file, tuple(judge(evidence) for judge in JUDGES))


def _run_scenarios(scenarios: Scenarios, plan: JobPlan, folder: Path, options: CheckOptions,
                   progress: Progress) -> tuple[dict[str, Run], dict[str, str]]:
    """Run the scenarios at once: their runs in SCENARIOS' order, and why any did not run."""
    timeout = options.timeout_seconds
    drop = plan.channel_to_drop()
    started: dict[str, Future[Run]] = {}
    skipped: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=len(SCENARIOS), thread_name_prefix="check-run") as pool:

        def start(name: str, hosts: int, *, dropped: str | None = None, signal: bool = False) -> None:
            definition = plan.scenario(name, hosts, folder / name, timeout, drop=dropped)
            started[name] = pool.submit(scenarios.run, name, definition, dropped=dropped, signal=signal)

        progress("running the job on 1 host, on 2 hosts, and on 1 host stopped with SIGTERM, at once")
        start("sigterm", 1, signal=True)  # first: its clock starts when the job does
        start("one-host", 1)
        start("two-hosts", 2)
        if drop is None:
            skipped["missing-input"] = "the job has no input to leave out"
        elif not plan.from_job_file and not any(started[name].result().reads.readers(drop.local_path)
                                                for name in ("one-host", "two-hosts")):
            skipped["missing-input"] = ("the image's default command read none of the sample inputs, so leaving "
                                        "one out changes nothing; give --job to test your job")
        else:
            progress(f"running the job without its input {drop.name!r}")
            start("missing-input", 1, dropped=drop.name)
    return {name: started[name].result() for name in SCENARIOS if name in started}, skipped
