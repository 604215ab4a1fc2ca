"""`volume_size_in_gb`, checked before anything is downloaded: inputs that do not fit a host's volume.

SageMaker copies each host's File-mode inputs onto that instance's ML storage volume before its
container starts, and a host whose inputs do not fit fails the job with `ClientError: Data download
failed:Insufficient disk space`. The local backend fails it the same way, but from the sizes the
listing already gave (staging's plan), so nothing is copied first and the message names the host, each
input and the sizes. Pipe-mode inputs stream and take no room. What the job writes needs room on the
volume too, but only the inputs are known before it runs.
"""

from __future__ import annotations

from launcher.definition import ProcessingInput
from launcher.errors import UsageError
from launcher.local.staging import InputPlans

GB = 1 << 30  # VolumeSizeInGB counts the EBS volume's GiB


class InsufficientVolumeError(UsageError):
    """A host's File-mode inputs are larger than its volume (`volume_size_in_gb`)."""


def check_volume(inputs: tuple[ProcessingInput, ...], plans: InputPlans, volume_size_in_gb: int) -> None:
    """Raise InsufficientVolumeError for the first host (algo-1 first) whose File-mode inputs exceed the volume."""
    files = [item for item in inputs if item.s3_input_mode == "File" and item.input_name in plans]
    hosts = next(iter(plans.values())).keys() if plans else ()
    room = volume_size_in_gb * GB
    for host in hosts:
        sizes = {item.input_name: sum(obj.size for obj in plans[item.input_name][host]) for item in files
                 if item.input_name is not None}
        total = sum(sizes.values())
        if total <= room:
            continue
        largest = sorted(sizes.items(), key=lambda pair: -pair[1])
        each = ", ".join(f"input '{name}' {_size(size)}" for name, size in largest)
        raise InsufficientVolumeError(
            f"Data download failed:Insufficient disk space: the File-mode inputs of {host} need {_size(total)} "
            f"({total} bytes), more than its volume_size_in_gb: {volume_size_in_gb} ({room} bytes): {each}. Raise "
            f"volume_size_in_gb, spread input '{largest[0][0]}' over more instances (ShardedByS3Key), or stream "
            "it (s3_input_mode: Pipe)"
        )


def _size(count: int) -> str:
    for unit, scale in (("GB", GB), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
