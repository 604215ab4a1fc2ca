"""Live logs: each host's lines on stderr, prefixed with the host in its own colour, and kept per host."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.text import Text

HOST_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")


def host_colour(host: str) -> str:
    suffix = host.rsplit("-", 1)[-1]
    index = int(suffix) - 1 if suffix.isdigit() else 0
    return HOST_COLOURS[index % len(HOST_COLOURS)]


def host_line(host: str, line: str) -> Text:
    return Text.assemble((f"{host} | ", host_colour(host)), line)


class LogFollower:
    """One thread per host copies the container's output to its log file and, if echoing, the console."""

    def __init__(self, console: Console | None) -> None:
        self.console = console
        self.threads: list[threading.Thread] = []

    def follow(self, host: str, stream: Iterator[bytes], file: Path) -> None:
        thread = threading.Thread(target=self._pump, args=(host, stream, file), name=f"logs-{host}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self, timeout: float = 10.0) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def _pump(self, host: str, stream: Iterator[bytes], file: Path) -> None:
        pending = b""
        with file.open("ab") as log:
            for chunk in stream:
                log.write(chunk)
                log.flush()
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._echo(host, line)
            if pending:
                self._echo(host, pending)

    def _echo(self, host: str, line: bytes) -> None:
        if self.console is not None:
            self.console.print(host_line(host, line.decode("utf-8", errors="replace").rstrip("\r")), soft_wrap=True)
