"""Everything `byoc check` learnt about an image, gathered once; every rule judges from it alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from launcher.check.image import ImageFacts, UserIds
from launcher.check.layers import SecretFile
from launcher.check.plan import JobPlan
from launcher.check.probe import WriteProbe
from launcher.check.scenarios import Run
from launcher.imagecommand import container_command


@dataclass(frozen=True, slots=True)
class Evidence:
    facts: ImageFacts
    plan: JobPlan
    user: UserIds
    write_probe: WriteProbe | None  # None for root: nothing to probe
    secrets: tuple[SecretFile, ...]
    secret_env: tuple[str, ...]
    grace_seconds: float
    max_image_bytes: int
    runs: Mapping[str, Run] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)  # scenario -> why it did not run

    @property
    def command(self) -> tuple[str, ...]:
        """What the job's containers run: the image's ENTRYPOINT and CMD under the job's overrides."""
        job = self.plan.definition
        return container_command(self.facts.entrypoint, self.facts.cmd, job.entrypoint, job.arguments)

    def run(self, scenario: str) -> Run | str:
        """The scenario's run, or why there is none."""
        return self.runs.get(scenario) or self.skipped.get(scenario, f"the {scenario} run did not take place")
