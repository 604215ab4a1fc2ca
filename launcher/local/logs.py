"""Hosts' output: the supervisor pumps each container's stream to files; clients read and follow them.

Per host, `log.txt` holds the bytes exactly as printed (for people and `byoc debug`) and
`events.jsonl` one JSON object per line, `{"t": <ms since the epoch>, "m": "<line>"}`, stamped when the
line arrived: what `byoc logs` and the endpoint's GetLogEvents serve. A client following a job reads
the events files as they grow, and stops once the job is terminal: the supervisor joins its pumps
before it records the end, so everything printed is in the files by then.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from launcher.backend import LogEvent

# Each poll opens every host's events file: often while a job is young, so a short one's end shows at once,
# then less often.
FOLLOW_POLL_SECONDS = 0.02
FOLLOW_FAST_SECONDS = 3.0
FOLLOW_SLOW_POLL_SECONDS = 0.05


class LogPump:
    """One thread per host copies its container's output into the host's log and events files."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def follow(self, host: str, stream: Iterator[bytes], log_file: Path, events_file: Path) -> None:
        thread = threading.Thread(target=self._pump, args=(stream, log_file, events_file), name=f"logs-{host}",
                                  daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self, timeout: float = 10.0) -> None:
        for thread in self.threads:
            thread.join(timeout)

    @staticmethod
    def _pump(stream: Iterator[bytes], log_file: Path, events_file: Path) -> None:
        pending = b""
        with log_file.open("ab") as log, events_file.open("a", encoding="utf-8") as events:
            for chunk in stream:
                log.write(chunk)
                log.flush()
                pending += chunk
                *lines, pending = pending.split(b"\n")
                stamp = int(time.time() * 1000)
                for line in lines:
                    events.write(_event_line(stamp, line))
                events.flush()
            if pending:
                events.write(_event_line(int(time.time() * 1000), pending))


def _event_line(stamp: int, line: bytes) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\r")
    return json.dumps({"t": stamp, "m": text}, ensure_ascii=False) + "\n"


class EventSource(Protocol):
    def read(self) -> list[LogEvent]:
        """The events that appeared since the last call."""
        ...


class EventsReader:
    """Reads one host's events file from the start, returning whole lines only, as it grows."""

    def __init__(self, host: str, file: Path) -> None:
        self.host = host
        self.file = file
        self._offset = 0
        self._partial = b""

    def read(self) -> list[LogEvent]:
        try:
            with self.file.open("rb") as stream:
                stream.seek(self._offset)
                data = stream.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        events = []
        for line in lines:
            item = json.loads(line)
            events.append(LogEvent(self.host, int(item["t"]), str(item["m"])))
        return events


def read_events(readers: Sequence[EventSource], *, follow: bool, finished: Callable[[], bool],
                pause: Callable[[float], None] = time.sleep) -> Iterator[LogEvent]:
    """Every source's events, each batch in time order; with `follow`, until `finished()` and drained, with a
    `pause(seconds)` between reads (which may end early when something changed: changes.py)."""
    started = time.monotonic()
    while True:
        done = finished() if follow else True
        batch = [event for reader in readers for event in reader.read()]
        yield from sorted(batch, key=lambda event: event.timestamp)
        if done:
            return
        fast = time.monotonic() - started < FOLLOW_FAST_SECONDS
        pause(FOLLOW_POLL_SECONDS if fast else FOLLOW_SLOW_POLL_SECONDS)
