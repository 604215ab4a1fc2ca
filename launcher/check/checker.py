"""`byoc check IMAGE`: gather the evidence (the image's facts and layers, then its runs), judge every rule.

The runs go through the local backend like any job, into a temporary jobs folder removed at the end, and
only when the image is linux/amd64: anything else cannot run here any more than on SageMaker. They need
bind-mounted host folders (engine.py): an engine that would need volume staging is refused first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
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
        secrets = tuple(scan_image(client, image, options.host_ca_bundle))
        user = user_ids(client, facts)
        probe = probe_output_write(client, facts) if not user.is_root and facts.runs_on_sagemaker else None
        runs: dict[str, Run] = {}
        skipped: dict[str, str] = {}
        if facts.runs_on_sagemaker:
            _run_scenarios(Scenarios(client, folder, region=options.region, endpoint_url=options.endpoint_url,
                                     grace_seconds=options.grace_seconds,
                                     signal_after_seconds=options.signal_after_seconds),
                           plan, folder, options, runs, skipped, progress)
        else:
            reason = f"not run: the image is {facts.platform}, and neither this engine nor SageMaker runs it"
            skipped.update(dict.fromkeys(("one-host", "two-hosts", "missing-input", "sigterm"), reason))
    evidence = Evidence(facts, plan, user, probe, secrets, tuple(secret_environment(facts.env)),
                        options.grace_seconds, options.max_image_bytes, runs, skipped)
    return Report(image, options.job_file, tuple(judge(evidence) for judge in JUDGES))


def _run_scenarios(scenarios: Scenarios, plan: JobPlan, folder: Path, options: CheckOptions,
                   runs: dict[str, Run], skipped: dict[str, str], progress: Progress) -> None:
    timeout = options.timeout_seconds
    for name, hosts in (("one-host", 1), ("two-hosts", 2)):
        progress(f"running the job on {hosts} host{'s' if hosts > 1 else ''}")
        runs[name] = scenarios.run(name, plan.scenario(name, hosts, folder / name, timeout))
    drop = plan.channel_to_drop()
    if drop is None:
        skipped["missing-input"] = "the job has no input to leave out"
    elif not plan.from_job_file and not any(run.reads.readers(drop.local_path) for run in runs.values()):
        skipped["missing-input"] = ("the image's default command read none of the sample inputs, so leaving one "
                                    "out changes nothing; give --job to test your job")
    else:
        progress(f"running the job without its input {drop.name!r}")
        runs["missing-input"] = scenarios.run("missing-input", plan.scenario("missing-input", 1,
                                                                             folder / "missing-input", timeout,
                                                                             drop=drop.name),
                                              dropped=drop.name)
    progress("running the job and stopping it with SIGTERM")
    runs["sigterm"] = scenarios.run("sigterm", plan.scenario("sigterm", 1, folder / "sigterm", timeout), signal=True)
