"""A folder kept equal to a job's Spark event logs, wherever they are (local folders, S3 prefixes).

Spark's history server reads one folder; the logs may be on several hosts' folders, in a local output
folder or under an S3 prefix, and still growing (`app-...inprogress`, renamed when the app ends). Each
`sync()` lists the sources through launcher.storage, copies what is new or changed in size (event logs
only grow) and removes what is gone, so an app that finished shows once, as finished. A Continuous
output keeps both `app-X.inprogress` (uploaded while the app ran) and `app-X` (once it ended), on
SageMaker as locally: the in-progress copy of a finished app is left out. A file is
written next to the folder first and renamed into it: the server never reads half a file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from launcher.storage.client import S3ClientProvider
from launcher.storage.errors import SourceNotFoundError
from launcher.storage.listing import S3DataType, SourceObject, list_source
from launcher.storage.locations import Location
from launcher.storage.transfer import download

INPROGRESS = ".inprogress"


class Mirror:
    """`folder` mirrors the files under `sources` (merged by relative path, the first source winning);
    `scratch` is a folder on the same filesystem for files being copied."""

    def __init__(self, sources: Sequence[Location], folder: Path, scratch: Path, s3: S3ClientProvider) -> None:
        self.sources = tuple(sources)
        self.folder = folder
        self.scratch = scratch
        self.s3 = s3
        self._sizes: dict[PurePosixPath, int] = {}

    def sync(self) -> int:
        """Bring the folder up to date; how many files it holds."""
        listing: dict[PurePosixPath, SourceObject] = {}
        for source in self.sources:
            try:
                objects = list_source(source, S3DataType.S3_PREFIX, self.s3)
            except SourceNotFoundError:
                continue  # nothing there (yet)
            for obj in objects:
                if not obj.relative_path.name.startswith("."):  # Hadoop's .crc files; the server skips them
                    listing.setdefault(obj.relative_path, obj)
        for path in [p for p in listing if p.suffix == INPROGRESS and p.with_suffix("") in listing]:
            del listing[path]
        for gone in set(self._sizes) - set(listing):
            self.folder.joinpath(*gone.parts).unlink(missing_ok=True)
            del self._sizes[gone]
        for relative, obj in listing.items():
            if self._sizes.get(relative) != obj.size:
                self._copy(obj)
                self._sizes[relative] = obj.size
        return len(self._sizes)

    def _copy(self, obj: SourceObject) -> None:
        download([obj], self.scratch, self.s3)
        target = self.folder.joinpath(*obj.relative_path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.scratch.joinpath(*obj.relative_path.parts), target)
        shutil.rmtree(self.scratch, ignore_errors=True)
