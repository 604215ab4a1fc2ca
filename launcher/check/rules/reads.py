"""reads-local-paths: a job reads its data where SageMaker puts it, the inputs' LocalPaths.

A script that looks elsewhere (training's /opt/ml/input/data/<channel>, a path of another job) finds
nothing and, too often, completes with empty outputs. The reads are the kernel's (see check/watch.py):
every file a host read under /opt/ml, by input.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from launcher.check.changes import CONFIG_FILES, MESSAGE_FILE
from launcher.check.evidence import Evidence
from launcher.check.model import Finding, Rule, failed, not_applicable, passed
from launcher.check.plan import Channel
from launcher.check.scenarios import Run

RULE = Rule(
    "reads-local-paths",
    "reads its data from its inputs' LocalPaths and nothing else under /opt/ml; with --job, reads every input",
    "read each input from its LocalPath (the input's destination, e.g. /opt/ml/processing/input/<name>), best "
    "taken from /opt/ml/config/processingjobconfig.json (byoc_runtime: ctx.input_dir(name)); Processing has "
    "no /opt/ml/input/data/<channel>",
)
SCENARIOS = ("one-host", "two-hosts")
SHOWN = 6


def judge(evidence: Evidence) -> Finding:
    runs = [run for scenario in SCENARIOS if not isinstance(run := evidence.run(scenario), str)]
    if not runs:
        return not_applicable(RULE, str(evidence.run(SCENARIOS[0])))
    completed = [run for run in runs if run.status.status == "Completed"]
    if not completed:
        return not_applicable(RULE, "the job completed on no run, so what it reads is not known")
    if not all(run.reads.complete for run in completed):
        return not_applicable(RULE, "the kernel dropped file events (inotify queue overflow): reads unknown")
    inputs = evidence.plan.channels
    allowed = (*(channel.local_path for channel in inputs), *evidence.plan.output_paths)
    outside = sorted({path for run in completed for paths in run.reads.by_host.values() for path in paths
                      if path not in CONFIG_FILES and path != MESSAGE_FILE and not _under(path, allowed)})
    if outside:
        more = f", and {len(outside) - SHOWN} more" if len(outside) > SHOWN else ""
        return failed(RULE, f"read outside its inputs: {', '.join(outside[:SHOWN])}{more}")
    unread = [channel for channel in inputs if any(_staged(run, channel) and not _readers(run, channel, inputs)
                                                   for run in completed)]
    summary = "; ".join(_summary(channel, completed, inputs) for channel in inputs) or "the job has no inputs"
    if unread and evidence.plan.from_job_file:
        names = ", ".join(repr(channel.name) for channel in unread)
        return failed(RULE, f"input {names} was given to the hosts and never read: {summary}")
    if unread:
        return not_applicable(RULE, f"the image's default command read none of the sample inputs (no job file "
                                    f"says what it should read) and nothing else under /opt/ml: {summary}")
    return passed(RULE, summary)


def _summary(channel: Channel, runs: list[Run], inputs: tuple[Channel, ...]) -> str:
    parts = []
    for run in runs:
        staged = [host for host in run.hosts if _files(run, host, channel, inputs)]
        readers = _readers(run, channel, inputs)
        parts.append(f"on {len(readers)} of {len(staged)} hosts given files ({len(run.hosts)}-host run)")
    return f"{channel.name!r} read {', '.join(parts)}"


def _staged(run: Run, channel: Channel) -> bool:
    return any(_under(path, (channel.local_path,)) for files in run.ml_files.values() for path in files) or \
        channel.mode == "Pipe"


def _files(run: Run, host: str, channel: Channel, inputs: tuple[Channel, ...]) -> list[str]:
    if channel.mode == "Pipe":
        return [channel.local_path]  # the FIFO, gone once the job ended
    return [path for path in run.ml_files.get(host, ()) if _channel(path, inputs) == channel]


def _readers(run: Run, channel: Channel, inputs: tuple[Channel, ...]) -> list[str]:
    return sorted(host for host, paths in run.reads.by_host.items() if any(_channel(p, inputs) == channel
                                                                          for p in paths))


def _channel(path: str, inputs: tuple[Channel, ...]) -> Channel | None:
    """The input whose LocalPath holds `path` (the deepest, when one LocalPath is inside another)."""
    holding = [channel for channel in inputs if _under(path, (channel.local_path,))]
    return max(holding, key=lambda channel: len(PurePosixPath(channel.local_path).parts), default=None)


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(PurePosixPath(path).is_relative_to(PurePosixPath(folder)) for folder in folders)
