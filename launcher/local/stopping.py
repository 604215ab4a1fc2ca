"""Stop requests between processes: any client writes one into the job folder, the supervisor reads it.

The file holds `{"cause": "<StopCause name>", "kill": false}`. A later request replaces an earlier
one, so a second Ctrl-C turns a graceful stop into a kill; the first cause is kept, since that is
what stopped the job.
"""

from __future__ import annotations

import json
import os

from launcher.backend import StopCause
from launcher.local.supervisor import StopRequest
from launcher.local.workspace import JobWorkspace


def request_stop(workspace: JobWorkspace, cause: StopCause, *, kill: bool = False) -> None:
    earlier = read_stop_request(workspace)
    if earlier is not None:
        cause = earlier.cause
    tmp = workspace.stop_marker.with_name(f".{workspace.stop_marker.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"cause": cause.name, "kill": kill}), encoding="utf-8")
    os.replace(tmp, workspace.stop_marker)


def read_stop_request(workspace: JobWorkspace) -> StopRequest | None:
    try:
        data = json.loads(workspace.stop_marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return StopRequest(StopCause[data["cause"]], bool(data.get("kill")))
