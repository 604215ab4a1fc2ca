"""The primary host's "the app is running" port, so that the cluster stops in an order Spark takes quietly.

A Spark worker whose master goes away first logs `Connection to master failed!` and a stack trace per
reconnection attempt, which a reader takes for a failure. So the primary opens this port before its
master starts and closes it once the app is over; each other host stops its worker when the port has
been closed for a few polls in a row, and only then does the primary stop its own worker and the master.
The port carries nothing: it accepts a connection and closes it.
"""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType

APP_PORT = 7079


class _Answer(socketserver.BaseRequestHandler):
    def handle(self) -> None:  # the connection is closed when this returns: being answered is the signal
        pass


class _Server(socketserver.TCPServer):
    allow_reuse_address = True  # a restarted primary may bind again while old connections are in TIME_WAIT


class AppBeacon:
    """Listens on `port` (all addresses) from `__enter__` until `close()` or the end of the `with` block."""

    def __init__(self, port: int = APP_PORT) -> None:
        self._server = _Server(("", port), _Answer, bind_and_activate=False)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="app-beacon")
        self._open = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> AppBeacon:
        self._server.server_bind()
        self._server.server_activate()
        self._thread.start()
        self._open = True
        return self

    def close(self) -> None:
        if self._open:
            self._open = False
            self._server.shutdown()
            self._server.server_close()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
