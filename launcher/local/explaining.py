"""What the local backend saw of a finished job, as hints and warnings (the rules are launcher/explain's).

Hints: the end of each failed host's log (`log.txt`), whether it wrote /opt/ml/output/message. Warnings:
which hosts were given which inputs (staging's plan), who opened them (the Pipe feeder's writers, the
File-mode `OpenWatch`), and what each host left in its outputs' LocalPaths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from launcher.definition import JobDefinition
from launcher.explain.hints import HostEnd, failure_hints
from launcher.explain.silence import InputUse, OutputUse, silence_warnings
from launcher.local.supervisor import RunResult
from launcher.local.workspace import JobWorkspace
from launcher.storage.listing import SourceObject

LOG_TAIL_BYTES = 256 << 10  # a traceback is a few KB; a log can be gigabytes


def hints_for(result: RunResult, messages: Mapping[str, str], workspace: JobWorkspace,
              hosts: tuple[str, ...]) -> tuple[str, ...]:
    """For a job whose hosts failed: how each one that wrote no exit message ended."""
    ends = [HostEnd(host, result.exit_codes.get(host), bool(messages.get(host, "").strip()),
                    log_tail(workspace.log_file(host))) for host in hosts]
    return failure_hints(ends, result.first_failure)


def warnings_for(job: JobDefinition, plans: Mapping[str, Mapping[str, list[SourceObject]]],
                 pipe_opened: frozenset[tuple[str, str]], file_opened: Mapping[tuple[str, str], bool | None],
                 workspace: JobWorkspace, hosts: tuple[str, ...]) -> tuple[str, ...]:
    """For a Completed job: inputs nobody opened, outputs left empty on every host."""
    inputs = []
    for item in job.inputs:
        if item.input_name is None or item.destination is None or item.input_name not in plans:
            continue
        name, plan = item.input_name, plans[item.input_name]
        opened = {host: (name, host) in pipe_opened if item.s3_input_mode == "Pipe" else file_opened.get((name, host))
                  for host in hosts}
        inputs.append(InputUse(name, item.s3_input_mode, item.destination,
                               item.s3_data_distribution_type == "ShardedByS3Key",
                               {host: len(plan.get(host, [])) for host in hosts}, opened))
    outputs = tuple(OutputUse(item.output_name, item.source, item.destination,
                              {host: _has_file(workspace.host_path(host, item.source)) for host in hosts})
                    for item in job.outputs
                    if item.output_name is not None and item.source is not None and item.destination is not None)
    return silence_warnings(tuple(inputs), outputs)


def log_tail(file: Path, size: int = LOG_TAIL_BYTES) -> str:
    try:
        with file.open("rb") as stream:
            stream.seek(max(0, stream.seek(0, os.SEEK_END) - size))
            return stream.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _has_file(root: Path) -> bool:
    """Some regular file below `root` (symlinks are not uploaded, as on SageMaker)."""
    for folder, _, files in os.walk(root):
        if any(os.path.isfile(path := os.path.join(folder, name)) and not os.path.islink(path) for name in files):
            return True
    return False
