"""What the engine says about an image: platform, ENTRYPOINT and CMD, user, size; and its user's ids.

No container of the image is started here. Reading a file of the image (its /etc/passwd) takes a created,
never started, container, removed at once.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from docker.errors import APIError, ImageNotFound, NotFound

from launcher.errors import EngineError
from launcher.local.cluster import LABEL_KIT, SAGEMAKER_ARCHITECTURE

LABEL_CHECK = "byoc.check"
NEVER_RUN = "/byoc-check-never-runs"


@dataclass(frozen=True, slots=True)
class ImageFacts:
    reference: str
    image_id: str
    os: str
    architecture: str
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    user: str  # the Dockerfile's USER; "" runs as root
    env: tuple[str, ...]
    size: int  # bytes, uncompressed
    layers: int

    @property
    def platform(self) -> str:
        return f"{self.os}/{self.architecture}"

    @property
    def runs_on_sagemaker(self) -> bool:
        return self.os == "linux" and self.architecture == SAGEMAKER_ARCHITECTURE


@dataclass(frozen=True, slots=True)
class UserIds:
    """The image's user as the kernel sees it; `uid` None when a user name is not in the image's /etc/passwd."""

    name: str
    uid: int | None
    gid: int | None

    @property
    def is_root(self) -> bool:
        return self.uid == 0


def image_facts(client: Any, reference: str) -> ImageFacts:
    try:
        attrs = client.images.get(reference).attrs
    except ImageNotFound:
        raise EngineError(f"image {reference!r} is not in the local Docker engine: build it, or `docker pull` it "
                          "(`docker images` lists what is there)") from None
    config = attrs.get("Config") or {}
    layers = (attrs.get("RootFS") or {}).get("Layers") or []
    return ImageFacts(
        reference=reference, image_id=attrs["Id"], os=attrs.get("Os", ""), architecture=attrs.get("Architecture", ""),
        entrypoint=_strings(config.get("Entrypoint")), cmd=_strings(config.get("Cmd")), user=config.get("User") or "",
        env=tuple(config.get("Env") or ()), size=int(attrs.get("Size") or 0), layers=len(layers))


def user_ids(client: Any, facts: ImageFacts) -> UserIds:
    """Resolve the image's USER (`name`, `uid`, `name:group`, `uid:gid`) against its own /etc/passwd."""
    user, _, group = facts.user.partition(":")
    if not user:
        return UserIds("root", 0, 0)
    passwd = _table(read_image_file(client, facts.reference, "/etc/passwd"))
    uid, gid = (int(user), None) if user.isdigit() else _ids(passwd.get(user))
    if user.isdigit():
        gid = next((int(f[2]) for f in passwd.values() if len(f) > 2 and f[1] == user and f[2].isdigit()), None)
        name = next((n for n, f in passwd.items() if len(f) > 1 and f[1] == user), user)
    else:
        name = user
    if group:
        groups = _table(read_image_file(client, facts.reference, "/etc/group"))
        gid = int(group) if group.isdigit() else (int(groups[group][1]) if group in groups else None)
    return UserIds(name, uid, gid)


def read_image_file(client: Any, reference: str, path: str) -> bytes | None:
    """A file's bytes from the image's filesystem, or None if it has no such file."""
    with created(client, reference) as container:
        try:
            stream, _ = client.api.get_archive(container.id, path)
        except NotFound:
            return None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            handle = archive.extractfile(member) if member is not None else None
            return handle.read() if handle is not None else None


def has_file(client: Any, reference: str, path: str) -> bool:
    with created(client, reference) as container:
        try:
            client.api.get_archive(container.id, path)
        except NotFound:
            return False
        return True


@contextmanager
def created(client: Any, reference: str) -> Iterator[Any]:
    """A container of the image that is created and never started, removed on exit."""
    try:
        container = client.containers.create(reference, entrypoint=[NEVER_RUN], command=[],
                                             name=f"byoc-check-{uuid.uuid4().hex[:12]}",
                                             labels={LABEL_KIT: "byoc-processing", LABEL_CHECK: "inspect"})
    except APIError as exc:
        raise EngineError(f"could not create a container of {reference!r}: {exc.explanation or exc}") from exc
    try:
        yield container
    finally:
        container.remove(force=True)


def _strings(value: Any) -> tuple[str, ...] | None:
    return tuple(str(item) for item in value) if value else None


def _table(data: bytes | None) -> Mapping[str, list[str]]:
    """/etc/passwd or /etc/group as name -> its other fields."""
    rows = {}
    for line in (data or b"").decode("utf-8", errors="replace").splitlines():
        fields = line.split(":")
        if fields and fields[0] and not line.startswith("#"):
            rows[fields[0]] = fields[1:]
    return rows


def _ids(fields: list[str] | None) -> tuple[int | None, int | None]:
    if fields is None or len(fields) < 3:
        return None, None
    uid, gid = fields[1], fields[2]
    return (int(uid) if uid.isdigit() else None), (int(gid) if gid.isdigit() else None)
