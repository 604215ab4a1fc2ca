"""What the embedded S3 holds, written through to a folder and read back at start, so it survives a restart.

moto keeps S3 in memory. After every successful request that changes a bucket, the bucket's settings or the
touched key (every key, for a multi-object delete) are written here; at start the folder is loaded back into
moto's backend before the first request is served:

    <folder>/<bucket name, hex>/bucket.pickle          the bucket and its settings, without its keys
    <folder>/<bucket name, hex>/keys/<sha256>.pickle   one key: every version, data and metadata

moto's own objects are pickled (its FakeKey defines how: the data travels with it), so what comes back is what
was stored, ETags and metadata included. In-progress multipart uploads are not kept. The files are this user's
only (0700 folder) and written by this process: pickle is read from nowhere else. `moto_version` guards a
folder written by another moto: it is refused with a message rather than half read.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import shutil
import tempfile
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any

from launcher.errors import UsageError
from launcher.serve.keys import private_folder

VERSION_FILE = "moto-version"


def _backends() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends


def _all_buckets() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for regions in list(_backends().values()):
        for backend in list(regions.values()):
            found.update(backend.buckets)
    return found


class S3Store:
    def __init__(self, folder: Path) -> None:
        self.folder = private_folder(folder)
        self._lock = threading.Lock()
        self._written: dict[tuple[str, str], tuple[Any, ...]] = {}  # (bucket, key) -> fingerprint on disk
        marker = self.folder / VERSION_FILE
        current = version("moto")
        if marker.exists() and marker.read_text().strip() != current:
            raise UsageError(f"the embedded S3 in {self.folder} was written by moto {marker.read_text().strip()}, "
                             f"this is moto {current}: move that folder away (its objects are pickled moto objects)")
        marker.write_text(current)

    def load(self) -> int:
        """Put every stored bucket and key back into moto's backend; the number of objects restored."""
        backends = _backends()
        count = 0
        for bucket_dir in sorted(p for p in self.folder.iterdir() if p.is_dir()):
            bucket = pickle.loads((bucket_dir / "bucket.pickle").read_bytes())
            backends[bucket.account_id][bucket.partition].buckets[bucket.name] = bucket
            backends.bucket_accounts[bucket.name] = (bucket.partition, bucket.account_id)
            for file in sorted((bucket_dir / "keys").glob("*.pickle")):
                versions = pickle.loads(file.read_bytes())
                bucket.keys.setlist(versions[-1].name, versions)
                self._written[(bucket.name, versions[-1].name)] = _fingerprint(versions)
                count += 1
        return count

    def sync(self, bucket_names: set[str], key: str | None, all_keys: bool) -> None:
        """Write what changed: the buckets' settings (or their removal), then `key` or every key."""
        with self._lock:
            buckets = _all_buckets()
            for name in bucket_names:
                bucket = buckets.get(name)
                if bucket is None:
                    self._drop_bucket(name)
                    continue
                if key is None or all_keys or not (self._bucket_dir(name) / "bucket.pickle").exists():
                    self._write_bucket(bucket)
                if all_keys:
                    names = set(bucket.keys.keys()) | {k for b, k in self._written if b == name}
                    for each in names:
                        self._sync_key(bucket, each)
                elif key is not None:
                    self._sync_key(bucket, key)

    def _bucket_dir(self, name: str) -> Path:
        return self.folder / name.encode().hex()

    def _write_bucket(self, bucket: Any) -> None:
        shell = copy.copy(bucket)
        shell.keys = type(bucket.keys)()
        shell.multiparts = type(bucket.multiparts)()
        folder = self._bucket_dir(bucket.name)
        (folder / "keys").mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "bucket.pickle", pickle.dumps(shell))

    def _drop_bucket(self, name: str) -> None:
        shutil.rmtree(self._bucket_dir(name), ignore_errors=True)
        for written in [k for k in self._written if k[0] == name]:
            del self._written[written]

    def _sync_key(self, bucket: Any, key: str) -> None:
        versions = list(bucket.keys.getlist(key, []))
        file = self._bucket_dir(bucket.name) / "keys" / f"{hashlib.sha256(key.encode()).hexdigest()}.pickle"
        if not versions:
            file.unlink(missing_ok=True)
            self._written.pop((bucket.name, key), None)
            return
        fingerprint = _fingerprint(versions)
        if self._written.get((bucket.name, key)) == fingerprint:
            return
        _atomic_write(file, pickle.dumps(versions))
        self._written[(bucket.name, key)] = fingerprint


def _fingerprint(versions: list[Any]) -> tuple[Any, ...]:
    return tuple((id(v), v.etag, v.last_modified, v.version_id) for v in versions)


def _atomic_write(file: Path, data: bytes) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp.")
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.replace(tmp, file)
