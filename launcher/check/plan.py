"""The job `byoc check` runs: the job file's (`--job`), or the image's defaults with generated sample inputs.

Either way the image under check replaces the job's image_uri, every output goes to a folder of the
check's own (never the job's real destinations), and each scenario gets its own job name and instance count.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from pathlib import Path

from launcher.definition import (
    CODE_INPUT_NAME,
    DEFAULT_MAX_RUNTIME_IN_SECONDS,
    JobDefinition,
    ProcessingInput,
    ProcessingOutput,
)
from launcher.jobfile import load_job_file
from launcher.local.backend import refuse_channels_not_emulated

SAMPLE_INPUT = "data"
SAMPLE_OUTPUT = "results"
SAMPLE_FILES = 4
SAMPLE_ROWS = 25


@dataclass(frozen=True, slots=True)
class Channel:
    """An input as the rules see it: its name, its LocalPath in the container, File or Pipe."""

    name: str
    local_path: str
    mode: str


@dataclass(frozen=True, slots=True)
class JobPlan:
    """`definition` is normalized (a ScriptProcessor's `code` is an input); `job_file` None means the image's
    defaults with sample inputs, which the image has no reason to read."""

    definition: JobDefinition
    job_file: Path | None
    token: str

    @property
    def from_job_file(self) -> bool:
        return self.job_file is not None

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The inputs (the local backend stages S3 inputs only: each has a name and a LocalPath)."""
        return tuple(Channel(i.input_name, i.destination, i.s3_input_mode) for i in self.definition.inputs
                     if i.input_name is not None and i.destination is not None)

    @property
    def output_paths(self) -> tuple[str, ...]:
        return tuple(o.source for o in self.definition.outputs if o.source is not None)

    def channel_to_drop(self) -> Channel | None:
        """The input the missing-input scenario leaves out: the first that is not the code."""
        data = [channel for channel in self.channels if channel.name != CODE_INPUT_NAME]
        return data[0] if data else None

    def scenario(self, name: str, hosts: int, folder: Path, timeout_seconds: int,
                 drop: str | None = None) -> JobDefinition:
        """The definition one scenario submits: its name, hosts, its own output folders, maybe an input fewer."""
        job = self.definition
        runtime = min(job.max_runtime_in_seconds or DEFAULT_MAX_RUNTIME_IN_SECONDS, timeout_seconds)
        outputs = tuple(dataclasses.replace(output, destination=str(folder / "outputs" / str(output.output_name)))
                        for output in job.outputs)
        inputs = tuple(channel for channel in job.inputs if channel.input_name != drop)
        return dataclasses.replace(job, job_name=f"byoc-check-{self.token}-{name}", base_job_name=None,
                                   instance_count=hosts, outputs=outputs, inputs=inputs,
                                   max_runtime_in_seconds=runtime)


def plan_from_job_file(job_file: Path, image: str) -> JobPlan:
    """The job file with IMAGE; a job the local backend cannot run (a DatasetDefinition input, a Feature
    Store output) is refused here, before anything starts."""
    definition = load_job_file(job_file, image_uri=image).normalized()
    refuse_channels_not_emulated(definition)
    return JobPlan(definition, job_file, _token())


def plan_from_image(image: str, folder: Path) -> JobPlan:
    """The image's own ENTRYPOINT and CMD, one sharded CSV input of SAMPLE_FILES files, one output."""
    samples = folder / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    for index in range(SAMPLE_FILES):
        rows = "".join(f"{index},{row},{(index * 31 + row * 7) % 97}\n" for row in range(SAMPLE_ROWS))
        (samples / f"part-{index}.csv").write_text("file,row,value\n" + rows, encoding="utf-8")
    definition = JobDefinition(
        image_uri=image,
        inputs=(ProcessingInput(str(samples), f"/opt/ml/processing/input/{SAMPLE_INPUT}", SAMPLE_INPUT,
                                s3_data_distribution_type="ShardedByS3Key"),),
        outputs=(ProcessingOutput(f"/opt/ml/processing/output/{SAMPLE_OUTPUT}", str(folder / "unused"),
                                  SAMPLE_OUTPUT),),
    )
    return JobPlan(definition, None, _token())


def _token() -> str:
    return uuid.uuid4().hex[:8]
