"""Can the image's user write an output folder mounted as SageMaker mounts it: root-owned, mode 0755?

A container of the image runs, as the image's own user, one shell line that writes a file into a tmpfs
mounted root-owned 0755 at an output path. It needs /bin/sh in the image; without one the verdict rests on
the user id alone (which decides it: only uid 0 can write there).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from docker.errors import APIError

from launcher.check.image import LABEL_CHECK, ImageFacts, has_file
from launcher.errors import EngineError
from launcher.local.cluster import KIT, LABEL_KIT

PROBE_FOLDER = "/opt/ml/processing/output/byoc-check"
PROBE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class WriteProbe:
    """`wrote` is None when the image has no /bin/sh to probe with; `said` is what the shell printed."""

    wrote: bool | None
    said: str = ""


def probe_output_write(client: Any, facts: ImageFacts) -> WriteProbe:
    if not has_file(client, facts.reference, "/bin/sh"):
        return WriteProbe(None)
    target = f"{PROBE_FOLDER}/probe"
    try:
        container = client.containers.create(
            facts.reference, entrypoint=["/bin/sh", "-c", f"echo byoc-check > {target}"], command=[],
            name=f"byoc-check-{uuid.uuid4().hex[:12]}", tmpfs={PROBE_FOLDER: "mode=0755"}, network_disabled=True,
            labels={LABEL_KIT: KIT, LABEL_CHECK: "probe"})
    except APIError as exc:
        raise EngineError(f"could not create a probe container of {facts.reference!r}: "
                          f"{exc.explanation or exc}") from exc
    try:
        container.start()
        code = int(container.wait(timeout=PROBE_SECONDS)["StatusCode"])
        said = container.logs(stdout=True, stderr=True).decode("utf-8", errors="replace").strip()
    finally:
        container.remove(force=True)
    return WriteProbe(code == 0, said)
