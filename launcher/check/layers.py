"""Secrets-looking files in an image's layers: AWS keys, private keys, a CA bundle copied in from the host.

Every layer counts, not just the final filesystem: a file added by one instruction and deleted by a later
one is still in the image anyone who pulls it gets. The image is read as `docker save` streams it (one
pass, constant memory), so a gigabyte image costs its read time and no disk.

A CA bundle is flagged when it is the host's own bundle byte for byte, or holds a certificate that the
host trusts and the image's system bundle does not (a TLS-intercepting proxy's CA, typically, leaked
through a build step that needed it). The image's own trust store and packages' bundles (certifi) hold
only public CAs, so they pass.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SCANNED_BYTES = 1024 * 1024  # secrets are small files; bigger ones are only compared with the host bundle
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
SYSTEM_BUNDLE = "etc/ssl/certs/ca-certificates.crt"
SECRETS_MOUNT = "run/secrets/"

_ACCESS_KEY = re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_SECRET_KEY = re.compile(rb"aws_secret_access_key\s*[=:]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", re.I)
# A PEM block: the header, a line break, then key material (documentation quoting a header has none).
_PRIVATE_KEY = re.compile(
    rb"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=:,\r\n -]{40}")
_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.*?)-----END CERTIFICATE-----", re.S)
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID")


@dataclass(frozen=True, slots=True)
class SecretFile:
    """A secrets-looking file: the layer holding it (1 = the first) and the instruction that made that layer,
    its path in the image, what it holds."""

    layer: int
    created_by: str
    path: str
    kind: str


def certificates(data: bytes) -> frozenset[bytes]:
    """The base64 bodies of the PEM certificates in `data`, whitespace removed."""
    return frozenset(re.sub(rb"\s+", b"", match.group(1)) for match in _CERTIFICATE.finditer(data))


def secrets_in_file(data: bytes) -> list[str]:
    """What in one file's bytes looks like a secret (AWS example keys, which end in EXAMPLE, do not)."""
    found = []
    # Plain substring tests first: the patterns are only run on the few files that could match.
    if (b"AKIA" in data or b"ASIA" in data) and any(not key.endswith(b"EXAMPLE") for key in _ACCESS_KEY.findall(data)):
        found.append("an AWS access key id")
    if ((b"ecret_access_key" in data or b"ECRET_ACCESS_KEY" in data)
            and any(b"EXAMPLE" not in key for key in _SECRET_KEY.findall(data))):
        found.append("an AWS secret access key")
    if b"PRIVATE KEY-----" in data and _PRIVATE_KEY.search(data):
        found.append("a private key")
    return found


def secret_environment(env: Iterable[str]) -> list[str]:
    """The image config's ENV entries that set AWS credentials (every container of the image gets them)."""
    return [entry.split("=", 1)[0] for entry in env if entry.split("=", 1)[0] in SECRET_ENV and "=" in entry
            and entry.split("=", 1)[1]]


def scan_image(client: Any, image: str, host_bundle: Path | None = HOST_CA_BUNDLE) -> list[SecretFile]:
    """Every secrets-looking file in every layer of `image`, in layer order."""
    bundle = host_bundle.read_bytes() if host_bundle is not None and host_bundle.is_file() else None
    host_certs = certificates(bundle) if bundle else frozenset()
    scan = _Scan(bundle, host_certs)
    stream = io.BufferedReader(_ChunkReader(client.api.get_image(image)), buffer_size=1024 * 1024)
    with tarfile.open(fileobj=stream, mode="r|*") as saved:
        for member in saved:
            if member.name == "manifest.json":
                scan.order = json.loads(_read(saved, member))[0]["Layers"]
            elif member.isfile() and member.size < SCANNED_BYTES:
                data = _read(saved, member)  # a small layer, or JSON: the image's config, an index
                if data.lstrip().startswith(b"{"):
                    scan.config(data)
                else:
                    scan.layer(member.name, io.BytesIO(data))
            elif member.isfile():
                scan.layer(member.name, saved.extractfile(member))
    return scan.results()


class _Scan:
    def __init__(self, bundle: bytes | None, host_certs: frozenset[bytes]) -> None:
        self.bundle = bundle
        self.host_certs = host_certs
        self.order: list[str] = []
        self.found: list[tuple[str, str, str]] = []  # (layer member, path, kind)
        self.host_certs_in: list[tuple[str, str, frozenset[bytes]]] = []
        self.system_certs: frozenset[bytes] = frozenset()
        self.history: list[str] = []  # the instruction of each layer, in layer order

    def config(self, data: bytes) -> None:
        """The image's config (its history says which instruction made each layer); other JSON is ignored."""
        try:
            config = json.loads(data)
        except ValueError:
            return
        if isinstance(config, dict) and isinstance(config.get("history"), list):
            steps = config["history"]
            self.history = [str(step.get("created_by", "")) for step in steps if not step.get("empty_layer")]

    def layer(self, name: str, content: IO[bytes] | None) -> None:
        if content is None:
            return
        try:
            with tarfile.open(fileobj=content, mode="r|*") as layer:
                for entry in layer:
                    if entry.isfile() and not Path(entry.name).name.startswith(".wh."):
                        self.file(name, entry.name.removeprefix("./"), entry, layer)
        except tarfile.ReadError:  # not a layer: a small blob that is no tar
            return

    def file(self, layer: str, path: str, entry: tarfile.TarInfo, archive: tarfile.TarFile) -> None:
        bundle_sized = self.bundle is not None and entry.size == len(self.bundle)
        if entry.size > SCANNED_BYTES and not bundle_sized:
            return
        data = _read(archive, entry)
        if path.startswith(SECRETS_MOUNT):
            self.found.append((layer, path, "a file where BuildKit mounts build secrets"))
        if path == SYSTEM_BUNDLE:
            self.system_certs = certificates(data)  # the last layer's copy is the image's trust store
        elif self.bundle is not None and data == self.bundle:  # the store may equal the host's: same distro
            self.found.append((layer, path, "the host's CA bundle"))
            return
        self.found.extend((layer, path, kind) for kind in secrets_in_file(data))
        if self.host_certs and b"CERTIFICATE" in data:
            shared = certificates(data) & self.host_certs
            if shared:
                self.host_certs_in.append((layer, path, shared))

    def results(self) -> list[SecretFile]:
        host_only = self.host_certs - self.system_certs
        found = list(self.found)
        found.extend((layer, path, "a CA certificate only the host trusts")
                     for layer, path, certs in self.host_certs_in if certs & host_only)
        index = {name: position + 1 for position, name in enumerate(self.order)}
        return sorted((SecretFile(index.get(layer, 0), self._made_by(index.get(layer, 0)), path, kind)
                       for layer, path, kind in found), key=lambda s: (s.layer, s.path))

    def _made_by(self, layer: int) -> str:
        step = self.history[layer - 1] if 0 < layer <= len(self.history) else ""
        return " ".join(step.removeprefix("/bin/sh -c ").removeprefix("#(nop) ").split())


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    return handle.read() if handle is not None else b""


class _ChunkReader(io.RawIOBase):
    """A readable stream over the engine's chunks, for tarfile's stream mode."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = iter(chunks)
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = memoryview(next(self.chunks))
            except StopIteration:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size
