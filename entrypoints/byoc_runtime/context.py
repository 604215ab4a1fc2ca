"""What a job sees of the contract: its channels, outputs and hosts, loaded once at start.

The runtime runs under `/opt/ml` in a container. Tests and laptop runs point BYOC_ML_ROOT at another
folder; every `/opt/ml/...` path from the config files is then read below that folder instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from byoc_runtime.contract import (
    InputChannel,
    JobConfig,
    OutputChannel,
    ResourceConfig,
    parse_job_config,
    parse_resource_config,
)
from byoc_runtime.errors import ContractError, InputError, OutputError

ML_ROOT = PurePosixPath("/opt/ml")
ROOT_ENV = "BYOC_ML_ROOT"
DEFAULT_HOST = "algo-1"


@dataclass(frozen=True)
class MlLayout:
    """Where `/opt/ml` really is for this process."""

    root: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> MlLayout:
        return cls(Path(environ.get(ROOT_ENV) or str(ML_ROOT)))

    def local(self, contract_path: PurePosixPath) -> Path:
        return self.root / contract_path.relative_to(ML_ROOT)

    @property
    def job_config_file(self) -> Path:
        return self.root / "config" / "processingjobconfig.json"

    @property
    def resource_config_file(self) -> Path:
        return self.root / "config" / "resourceconfig.json"

    @property
    def message_file(self) -> Path:
        return self.root / "output" / "message"


@dataclass(frozen=True)
class JobContext:
    """A read-only snapshot of the contract for the running container."""

    layout: MlLayout
    job: JobConfig
    resources: ResourceConfig
    configured: bool  # False: no config files, running on the documented defaults

    @property
    def current_host(self) -> str:
        return self.resources.current_host

    @property
    def hosts(self) -> tuple[str, ...]:
        return self.resources.hosts

    @property
    def host_index(self) -> int:
        """0-based position of this host in the sorted host list (algo-1 is 0)."""
        return sorted(self.hosts).index(self.current_host)

    @property
    def host_count(self) -> int:
        return len(self.hosts)

    @property
    def is_primary(self) -> bool:
        return self.current_host == sorted(self.hosts)[0]

    def input(self, name: str) -> InputChannel:
        for channel in self.job.inputs:
            if channel.name == name:
                return channel
        known = ", ".join(c.name for c in self.job.inputs) or "none"
        raise InputError(f"no such input channel (this job has: {known})", channel=name)

    def input_dir(self, name: str) -> Path:
        return self.layout.local(self.input(name).local_path)

    def output(self, name: str) -> OutputChannel:
        for channel in self.job.outputs:
            if channel.name == name:
                return channel
        if not self.configured:
            return OutputChannel(name, ML_ROOT / "processing" / "output" / name, None, "EndOfJob")
        known = ", ".join(c.name for c in self.job.outputs) or "none"
        raise OutputError(f"no such output in ProcessingOutputConfig (this job has: {known})", output=name)

    def output_dir(self, name: str) -> Path:
        """The output's folder, created if missing and checked to be writable."""
        channel = self.output(name)
        folder = self.layout.local(channel.local_path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create the folder: {exc.strerror}", output=name, path=str(channel.local_path)
            ) from exc
        if not os.access(folder, os.W_OK | os.X_OK):
            read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
            why = "it is on a read-only file system" if read_only else f"user id {os.getuid()} may not write there"
            raise OutputError(f"the folder is not writable: {why}", output=name, path=str(channel.local_path))
        return folder


def load_context(environ: Mapping[str, str] | None = None) -> JobContext:
    """Read both config files, or neither (documented defaults); check channel folders exist."""
    layout = MlLayout.from_environment(os.environ if environ is None else environ)
    job_file, resource_file = layout.job_config_file, layout.resource_config_file
    present = job_file.exists(), resource_file.exists()
    if present == (False, False):
        return _default_context(layout)
    if not all(present):
        missing = job_file if not present[0] else resource_file
        raise ContractError(str(missing), "", "is missing, while the other config file is present")
    context = JobContext(layout, parse_job_config(job_file), parse_resource_config(resource_file), True)
    if context.job.instance_count != context.host_count:
        raise ContractError(
            str(job_file),
            "ProcessingResources.ClusterConfig.InstanceCount",
            f"is {context.job.instance_count} but {resource_file} lists {context.host_count} hosts",
        )
    for channel in context.job.inputs:
        if not layout.local(channel.local_path).is_dir():
            raise InputError(
                f"LocalPath {channel.local_path} does not exist in the container (was the channel mounted?)",
                channel=channel.name,
            )
    return context


def _default_context(layout: MlLayout) -> JobContext:
    """No config files: one host algo-1, a File channel per folder under processing/input."""
    input_root = layout.local(ML_ROOT / "processing" / "input")
    output_root = layout.local(ML_ROOT / "processing" / "output")
    inputs = tuple(
        InputChannel(
            p.name, ML_ROOT / "processing" / "input" / p.name, None, "S3Prefix", "File", "FullyReplicated", "None"
        )
        for p in _subfolders(input_root)
    )
    outputs = tuple(
        OutputChannel(p.name, ML_ROOT / "processing" / "output" / p.name, None, "EndOfJob")
        for p in _subfolders(output_root)
    )
    job = JobConfig(
        job_name="local",
        job_arn=None,
        image_uri=None,
        entrypoint=None,
        arguments=None,
        environment={},
        inputs=inputs,
        outputs=outputs,
        instance_count=1,
        instance_type=None,
        max_runtime_in_seconds=None,
    )
    return JobContext(layout, job, ResourceConfig(DEFAULT_HOST, (DEFAULT_HOST,)), False)


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
