"""The launcher's one error tree: every expected failure owns its exit code and its AWS error code.

    Exception
    └── LauncherError             1  InternalFailure       an expected failure: one line, no traceback
        ├── BuildError               an image build failed (`byoc build`); the build's output says why
        ├── KitFilesError            (launcher.kit) the kit's Dockerfiles or runtime wheel are missing
        ├── UsageError            2  ValidationException   what was asked cannot be done as asked
        │   ├── JobDefinitionError   ValidationException   a job the service would reject (.problems)
        │   ├── MissingSettingError  ValidationException   no role, bucket or region given anywhere
        │   ├── LocalImageError      ValidationException   a local image name sent to SageMaker
        │   ├── JobExistsError       ResourceInUse         a job name already taken
        │   ├── JobNotFoundError     ResourceNotFound      no job by that name
        │   ├── JobStateError        ValidationException   e.g. stopping a job that has ended
        │   ├── OutputConflictError  (launcher.local.outputs) two hosts wrote one name differently
        │   ├── InsufficientVolumeError (launcher.local.disk_space) inputs larger than volume_size_in_gb
        │   ├── StandInMissingError  (launcher.local.emulation) a query input without local_source
        │   ├── PushUsageError       (launcher.push) a repository or tag ECR would refuse
        │   ├── BaseImageError       (launcher.offline_base) no base image, and none can be made here
        │   ├── ScaffoldError        (launcher.scaffold) `byoc init`: a bad name, a folder that exists, a bad --from
        │   ├── ReplayImageError     (launcher.replay) no local image can run a replayed job's ImageUri
        │   └── NoEventLogsError     (launcher.spark_history.locate) a job without Spark event logs where it says
        ├── BackendError          3  InternalFailure       the backend cannot run jobs right now
        │   ├── EngineError          no Docker engine, an unusable image, a container not created
        │   │   ├── FolderNotSharedError (launcher.local.sharing) the engine does not see the jobs folder
        │   │   └── GpuUnavailableError (launcher.local.resources) a GPU instance type, an engine without GPUs
        │   ├── AwsError             the service's own code  an AWS call failed (operation, code, message)
        │   ├── SdkRequestError      (launcher.sagemaker_backend.submit) the SDK would send another request
        │   ├── FeedError            (launcher.local.feeder) a Pipe-mode input could not be streamed
        │   ├── PushError            (launcher.push) the image could not be pushed
        │   └── PullError            (launcher.pull) the image could not be pulled
        └── StorageError          3  (launcher.storage.errors) data could not be listed, read or written
            ├── LocationError     2  ValidationException   not an s3:// URI or a local path
            ├── DestinationError  2  ValidationException   an output destination that cannot be written
            └── SourceNotFoundError, UnsafeKeyError, LandingConflictError, ManifestError,
                S3AccessError, LocalFileError

Exit codes of `byoc`: 0 success (a Completed job), 1 a Failed job or image build (or an unexpected bug,
which also prints a traceback), 2 a usage error, 3 a backend error, 4 a Stopped job, 128+N interrupted by signal N
(130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: the job is stopped and its record says which). A job that Failed
because of one of these errors (a missing image, a destination that cannot be written) exits with that
error's code. Each client has one handler: the CLI's (launcher/cli/handler.py) prints one red line and
exits with `exit_code`; the endpoint answers `aws_code` with `http_status`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

EXIT_COMPLETED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BACKEND = 3
EXIT_STOPPED = 4
EXIT_INTERRUPTED = 130


class LauncherError(Exception):
    """An expected failure: the message names the thing at fault and says what to do."""

    exit_code: ClassVar[int] = EXIT_FAILED
    aws_code: ClassVar[str] = "InternalFailure"
    http_status: ClassVar[int] = 500


class UsageError(LauncherError):
    """What was asked cannot be done as asked: fix the job file, the arguments or the settings."""

    exit_code = EXIT_USAGE
    aws_code = "ValidationException"
    http_status = 400


class BackendError(LauncherError):
    """The backend cannot run jobs: the engine or the service failed, not the job definition."""

    exit_code = EXIT_BACKEND


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a job definition: the field path, what is wrong, and where it was written.

    `path` uses the names the user wrote: the definition's (the SDK's) for a definition or YAML job file
    (`inputs[1].s3_input_mode`, `env.MODE`), the API's for a request (`ProcessingInputs[0].S3Input.LocalPath`);
    it is empty for a problem with the file as a whole. `file` and `line` are set when the definition came
    from a job file, so the user can jump to it.
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.file is not None and self.line is not None:
            where = f"{self.file}:{self.line}"
        parts = [part for part in (where, self.path, self.message) if part]
        return ": ".join(parts)


class JobDefinitionError(UsageError):
    """A job file or JobDefinition that cannot run; `.problems` lists every fault found, not just the first.

    Reporting all of them at once saves the edit-run-edit loop a service ValidationException gives.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("JobDefinitionError needs at least one problem")
        super().__init__(self._format())

    def _format(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems in the job definition:\n{lines}"


class MissingSettingError(UsageError):
    """A setting the backend needs and nobody gave; the message says every way to give it."""


class LocalImageError(UsageError):
    """The job's image is a local name (`byoc/sklearn:latest`): SageMaker pulls from a registry (ECR)."""


class JobExistsError(UsageError):
    """Job names are unique per backend, as on SageMaker."""

    aws_code = "ResourceInUse"


class JobNotFoundError(UsageError):
    """No job by that name in this backend."""

    aws_code = "ResourceNotFound"


class JobStateError(UsageError):
    """The job is not in a state that allows this (stopping a job that has ended)."""


class BuildError(LauncherError):
    """`docker build` (or the offline base's debootstrap) failed: its own output, shown above, says why."""


class EngineError(BackendError):
    """The Docker engine is unreachable, the image is unusable, or a container could not be made."""

    aws_code = "ServiceUnavailable"
    http_status = 503


class AwsError(BackendError):
    """A failed AWS call: `operation` (CreateProcessingJob, ...), the service's code and message."""

    def __init__(self, operation: str, code: str, detail: str, hint: str | None = None) -> None:
        self.operation = operation
        self.code = code
        message = f"{operation} failed: {code}: {detail}"
        super().__init__(f"{message}. Hint: {hint}" if hint else message)
