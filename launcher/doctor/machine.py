"""This machine: the engine, its storage driver, the kit's images, free disk for the jobs folder.

An image is current when the digest it was labelled with at build time (launcher/build_context.py) is the
digest of what the kit's build context (launcher/kit.py: the clone, or an installed wheel's copy) holds
now. The fix is `byoc build <image>`, the recipe `make build/<image>` runs.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launcher.build_context import CONTEXT_LABEL, context_digest
from launcher.doctor.checks import Check, failed, passed
from launcher.kit import Kit
from launcher.local.cluster import SAGEMAKER_ARCHITECTURE

IMAGE_PREFIX = "byoc"
MIN_FREE_BYTES = 10 << 30
GOOD_DRIVERS = frozenset({"overlay2", "overlay", "overlayfs", "fuse-overlayfs", "btrfs", "zfs", "stargz"})
BAD_DRIVERS = {
    "vfs": "vfs copies every layer in full: builds and job starts are slow and each container costs its whole image "
           "in disk",
    "devicemapper": "devicemapper is deprecated and removed from current Docker releases",
    "aufs": "aufs is removed from current Docker releases",
}
DRIVER_FIX = 'use overlay2: {"storage-driver": "overlay2"} in /etc/docker/daemon.json, then restart the engine'


def engine_check(connect: Any) -> tuple[Any | None, Check]:
    """The engine (`connect()` returns a docker-py client), its version and platform; None if it does not answer."""
    from docker.errors import DockerException

    try:
        client = connect()
        version = client.version()
    except DockerException as error:
        return None, failed("engine", f"no Docker engine answers ({error})",
                            "start one: `make engine` installs and starts dockerd; or start Docker Desktop, or point "
                            "DOCKER_HOST at a running engine")
    components = [c for c in version.get("Components") or [] if str(c.get("Name", "")).startswith("Podman")]
    product = f"Podman {components[0].get('Version')}" if components else f"Docker {version.get('Version')}"
    return client, passed("engine", f"{product} (API {version.get('ApiVersion')}) on "
                                    f"{version.get('Os')}/{version.get('Arch')}")


def storage_driver_check(client: Any) -> Check:
    info = client.info()
    driver = str(info.get("Driver") or "unknown")
    detail = f"{driver}, data in {info.get('DockerRootDir') or 'an unknown folder'}"
    if driver in GOOD_DRIVERS:
        return passed("storage driver", detail)
    return failed("storage driver", f"{detail}: {BAD_DRIVERS.get(driver, 'not one the kit is tested with')}",
                  DRIVER_FIX)


def image_check(client: Any, kit: Kit, name: str, now: datetime | None = None, prefix: str = IMAGE_PREFIX) -> Check:
    """<prefix>/<name>:latest is present, linux/amd64, and built from what the kit holds now."""
    from docker.errors import ImageNotFound

    tag, label = f"{prefix}/{name}:latest", f"image {prefix}/{name}"
    build = f"byoc build {name}" if kit.installed else f"make build/{name} (or byoc build {name})"
    try:
        attrs = client.images.get(tag).attrs
    except ImageNotFound:
        return failed(label, f"{tag} is not in the engine", build)
    platform = f"{attrs.get('Os')}/{attrs.get('Architecture')}"
    if attrs.get("Architecture") != SAGEMAKER_ARCHITECTURE:
        return failed(label, f"{tag} is {platform}; SageMaker Processing runs linux/amd64 only", build)
    built = f"built {_ago(now or datetime.now(UTC), _created(str(attrs.get('Created', ''))))}"
    recorded = ((attrs.get("Config") or {}).get("Labels") or {}).get(CONTEXT_LABEL)
    dockerfile = kit.dockerfile(name)
    where = dockerfile.parent.relative_to(kit.root) if dockerfile.is_relative_to(kit.root) else dockerfile.parent
    if recorded is None:
        return failed(label, f"{platform}, {built}, with no {CONTEXT_LABEL} label: not built by `byoc build` (or "
                             f"by an older kit), so whether it matches {where}/ cannot be told", build)
    if recorded != context_digest(dockerfile, kit.root):
        return failed(label, f"{platform}, {built}, from other files than {where}/Dockerfile and what it copies "
                             "hold now", build)
    return passed(label, f"{platform}, {built}, from {where}/Dockerfile and what it copies as they are now")


def disk_check(jobs_dir: Path, min_free: int = MIN_FREE_BYTES) -> Check:
    existing = next(p for p in (jobs_dir, *jobs_dir.parents) if p.exists())
    usage = shutil.disk_usage(existing)
    detail = f"{usage.free / (1 << 30):.1f} GiB free of {usage.total / (1 << 30):.0f} GiB for {jobs_dir}"
    if usage.free >= min_free:
        return passed("disk", detail)
    return failed("disk", f"{detail}: each host of a local job holds its own copy of its inputs and outputs",
                  f"free some space (at least {min_free / (1 << 30):.0f} GiB), or set BYOC_JOBS_DIR to a larger disk")


def _created(value: str) -> datetime | None:
    """The engine's `Created`: RFC 3339 with nanoseconds (`2026-11-30T03:10:12.123456789Z`)."""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", value)
    if match is None:
        return None
    micro = (match.group(2) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{match.group(1)}.{micro}+00:00")


def _ago(now: datetime, moment: datetime | None) -> str:
    if moment is None:
        return "at an unknown time"
    seconds = max(0.0, (now - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"
