"""A job's timeline as a PNG: one row per host, a bar per phase (staging, running, uploading).

Drawn from the hosts' phase times in a JobStatus, so it can be made for any finished job whose backend
records them (`byoc timeline JOB`). matplotlib is imported here only, and only when a timeline is drawn.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from launcher.backend import JobStatus
from launcher.errors import UsageError

PHASE_COLOURS = {"staging": "#4c72b0", "running": "#55a868", "uploading": "#dd8452"}
STATUS_COLOURS = {"Completed": "#222222", "Failed": "#c44e52", "Stopped": "#8172b3"}


def draw_timeline(status: JobStatus, path: Path) -> Path:
    if not any(host.phases for host in status.hosts):
        raise UsageError(f"job {status.job_name!r} has no per-host phase times to draw (only local jobs record them)")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    start = status.creation_time
    end = status.end_time

    def seconds(moment: datetime) -> float:
        return (moment - start).total_seconds()

    hosts = list(status.hosts)
    figure, axes = plt.subplots(figsize=(10, 1.6 + 0.45 * len(hosts)), constrained_layout=True)
    for row, host in enumerate(reversed(hosts)):
        for phase, (begin, finish) in host.phases.items():
            axes.barh(row, seconds(finish) - seconds(begin), left=seconds(begin), height=0.6,
                      color=PHASE_COLOURS.get(phase, "grey"), edgecolor="white")
        if host.exit_code is not None and "running" in host.phases:
            axes.text(seconds(host.phases["running"][1]), row, f"  exit {host.exit_code}", va="center",
                      fontsize="small")
    axes.set_yticks(range(len(hosts)), [h.name for h in reversed(hosts)])
    if end is not None:
        axes.axvline((end - start).total_seconds(), color=STATUS_COLOURS.get(status.status, "black"), linestyle="--")
    axes.set_xlabel("seconds since the job was created")
    axes.set_title(f"{status.job_name}: {status.status}", loc="left")
    handles = [Patch(color=colour, label=phase) for phase, colour in PHASE_COLOURS.items()]
    handles.append(Patch(color=STATUS_COLOURS.get(status.status, "black"), label=f"end ({status.status})"))
    figure.legend(handles=handles, loc="outside lower center", fontsize="small", ncols=len(handles))
    axes.margins(x=0.08)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
