"""The Spark image's errors, on top of the runtime's tree (byoc_runtime.errors).

    KitError
    ├── UsageError       bad ContainerArguments, a --conf the cluster cannot honour: exit 2
    ├── InputError       a malformed configuration.json (channel 'conf'): exit 4
    ├── ClusterError     the cluster did not form, or a Spark daemon died: exit 6
    └── SparkAppError    the app exited non-zero: the job exits with the app's own code
"""

from __future__ import annotations

from byoc_runtime import KitError


class ClusterError(KitError):
    """The Spark cluster could not form or broke: says what was waited for, and what was seen."""

    exit_code = 6
    kind = "ClusterError"


class SparkAppError(KitError):
    """The Spark app failed. The message leads with the app's own error (its exception line)."""

    kind = "SparkAppError"

    def __init__(self, app: str, code: int, cause: str | None) -> None:
        self.app = app
        self.cause = cause
        # The app's status is the job's: this one error's exit code is the app's, not the class's.
        self.exit_code = code  # type: ignore[misc]
        what = f"the Spark app {app} exited with code {code}"
        super().__init__(f"{cause} ({what})" if cause else f"{what} (no error line in its output; see the log)")


def exit_status(returncode: int) -> int:
    """A child's Popen returncode as a process exit status: -N (killed by signal N) becomes 128 + N."""
    return 128 - returncode if returncode < 0 else returncode
