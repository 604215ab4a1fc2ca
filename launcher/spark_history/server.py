"""Spark's history server in a container of the Spark image, reading a folder of event logs, on localhost.

    spark-class org.apache.spark.deploy.history.HistoryServer   (the image's Spark; no image change)
    SPARK_HISTORY_OPTS: spark.history.fs.logDirectory=file:/opt/spark-events (the folder, read-only)
                        spark.history.ui.port=18080, spark.history.fs.update.interval=2s
    published on 127.0.0.1:<port> only

The container gets no AWS credentials and reaches nothing: the launcher brings the logs to it. It is
labelled `byoc.kit` and `byoc.spark-history=<job>` and removed by `close()`, however the command ends.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from docker.errors import APIError, NotFound

from launcher.errors import EngineError, UsageError
from launcher.local.cluster import KIT, LABEL_KIT, check_image

HISTORY_SERVER_CLASS = "org.apache.spark.deploy.history.HistoryServer"
CONTAINER_PORT = 18080
EVENTS_IN_CONTAINER = "/opt/spark-events"
LABEL = "byoc.spark-history"
READY_SECONDS = 120.0
LISTED_SECONDS = 30.0  # the server lists the apps of the folder a scan after it answers
POLL_SECONDS = 0.25


class HistoryServer:
    def __init__(self, client: Any, image: str, folder: Path, port: int, name: str) -> None:
        self.client = client
        self.image = image
        self.folder = folder
        self.port = port
        self.name = name
        self.container: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the container and return once the server answers; EngineError if it does not."""
        check_image(self.client, self.image)
        _check_port_free(self.port)
        options = {"spark.history.fs.logDirectory": f"file:{EVENTS_IN_CONTAINER}",
                   "spark.history.ui.port": str(CONTAINER_PORT), "spark.history.fs.update.interval": "2s"}
        try:
            self.container = self.client.containers.run(
                self.image, entrypoint=["spark-class", HISTORY_SERVER_CLASS], command=[],
                environment={"SPARK_HISTORY_OPTS": " ".join(f"-D{key}={value}" for key, value in options.items())},
                volumes={str(self.folder): {"bind": EVENTS_IN_CONTAINER, "mode": "ro"}},
                ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", self.port)},
                labels={LABEL_KIT: KIT, LABEL: self.name}, detach=True)
        except APIError as exc:
            raise EngineError(f"could not start Spark's history server: {exc.explanation or exc}") from exc
        self._wait_ready()

    def applications(self) -> list[dict[str, Any]]:
        """The apps the server lists (Spark's REST API), newest first."""
        apps: list[dict[str, Any]] = json.loads(self._get("/api/v1/applications"))
        return apps

    def listed(self, timeout: float = LISTED_SECONDS) -> list[dict[str, Any]]:
        """The apps once the server has listed some (its first scan of the folder), or none after `timeout`."""
        deadline = time.monotonic() + timeout
        while not (apps := self.applications()) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        return apps

    def running(self) -> bool:
        try:
            self.container.reload()
        except NotFound:
            return False
        return bool(self.container.status == "running")

    def last_lines(self, count: int = 20) -> str:
        with contextlib.suppress(APIError):
            return bytes(self.container.logs(tail=count)).decode("utf-8", errors="replace").strip()
        return ""

    def close(self) -> None:
        if self.container is not None:
            with contextlib.suppress(NotFound):
                self.container.remove(force=True)
            self.container = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                self._get("/api/v1/applications")
                return
            except (urllib.error.URLError, OSError):
                pass
            if not self.running():
                raise EngineError(f"Spark's history server exited at start; its last lines:\n{self.last_lines()}")
            if time.monotonic() > deadline:
                raise EngineError(f"Spark's history server did not answer on {self.url} within {READY_SECONDS:.0f} s; "
                                  f"its last lines:\n{self.last_lines()}")
            time.sleep(POLL_SECONDS)

    def _get(self, path: str) -> str:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{self.url}{path}", timeout=5) as response:
            return bytes(response.read()).decode("utf-8")


def _check_port_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise UsageError(f"port {port} on 127.0.0.1 is taken ({error.strerror}): pick another with --port"
                             ) from None
