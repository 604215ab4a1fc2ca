"""A job's Spark history, served for as long as the block runs; nothing is left when it ends.

    with SparkHistory(locations, s3, image=..., port=..., name=JOB) as history:   # mirror + server
        history.url, history.applications()
        history.refresh()   # every few seconds: new or grown logs reach the server

Exiting the block (normally, by Ctrl-C or by an error) removes the container and the temporary
folder holding the copy of the logs.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from launcher.errors import EngineError
from launcher.local.cluster import engine
from launcher.spark_history.locate import NoEventLogsError
from launcher.spark_history.mirror import Mirror
from launcher.spark_history.server import HistoryServer
from launcher.storage.client import S3ClientProvider
from launcher.storage.locations import Location

DEFAULT_IMAGE = "byoc/spark:latest"
DEFAULT_PORT = 18080


class SparkHistory:
    def __init__(self, locations: Sequence[Location], s3: S3ClientProvider, *, name: str,
                 image: str = DEFAULT_IMAGE, port: int = DEFAULT_PORT) -> None:
        self.locations = tuple(locations)
        self.s3 = s3
        self.name = name
        self.image = image
        self.port = port
        self.workdir: Path | None = None
        self.server: HistoryServer | None = None
        self._mirror: Mirror | None = None
        self.files = 0

    def __enter__(self) -> SparkHistory:
        self.workdir = Path(tempfile.mkdtemp(prefix="byoc-spark-history-"))
        try:
            events = self.workdir / "events"
            events.mkdir()
            self._mirror = Mirror(self.locations, events, self.workdir / "incoming", self.s3)
            self.files = self._mirror.sync()
            if not self.files:
                where = ", ".join(location.uri for location in self.locations)
                raise NoEventLogsError(f"no Spark event logs in {where} (yet): has the job's Spark app started?")
            self.server = HistoryServer(engine(), self.image, events, self.port, self.name)
            self.server.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def url(self) -> str:
        assert self.server is not None, "inside the block"
        return self.server.url

    def applications(self) -> list[dict[str, Any]]:
        """The apps the server lists, once it has listed any (a few seconds after it starts)."""
        assert self.server is not None, "inside the block"
        return self.server.listed()

    def refresh(self) -> None:
        """Copy new and grown logs; EngineError if the server has gone."""
        assert self.server is not None and self._mirror is not None, "inside the block"
        if not self.server.running():
            raise EngineError(f"Spark's history server stopped; its last lines:\n{self.server.last_lines()}")
        self.files = self._mirror.sync()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
