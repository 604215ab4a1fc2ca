"""A Pipe input's objects read ahead: while one object is written into its FIFO, the next ones are already
being fetched, each by a thread of its own, so per-request latency (a GET's round trip, the server
reading the object) overlaps with the writing instead of adding up, object after object.

Bytes still come out in the objects' order, each object's exactly as `feeder.object_chunks` gives them
(gunzipped for a Gzip input). Memory is bounded: at most `depth` objects in flight, each holding at
most QUEUED_CHUNKS chunks (of the feeder's chunk size) not yet written. A fault of a reader (a
FeedError) comes out where that object's bytes would, after every byte before it. When the consumer
stops (the reader closed the FIFO, the job is stopped), the readers stop queuing; one stuck in a
network read is a daemon thread and ends with its read.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator

from launcher.storage.listing import SourceObject

QUEUED_CHUNKS = 8
POLL_SECONDS = 0.1
_END = object()

Chunks = Callable[[SourceObject], Iterator[bytes]]


def read_ahead(objects: Iterable[SourceObject], chunks: Chunks, depth: int, stopping: threading.Event
               ) -> Generator[bytes, None, None]:
    """Every object's chunks, in order, `depth` objects fetched at once; ends early once `stopping` is set."""
    upcoming = iter(objects)
    cancel = threading.Event()
    pending: deque[queue.Queue[object]] = deque()

    def start_next() -> None:
        obj = next(upcoming, None)
        if obj is None:
            return
        lane: queue.Queue[object] = queue.Queue(maxsize=QUEUED_CHUNKS)
        threading.Thread(target=_fetch, args=(obj, chunks, lane, cancel), daemon=True, name="read-ahead").start()
        pending.append(lane)

    try:
        for _ in range(max(1, depth)):
            start_next()
        while pending:
            lane = pending[0]
            while True:
                try:
                    item = lane.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    if stopping.is_set():
                        return
                    continue
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, bytes)
                if stopping.is_set():
                    return
                yield item
            pending.popleft()
            start_next()
    finally:
        cancel.set()


def _fetch(obj: SourceObject, chunks: Chunks, lane: queue.Queue[object], cancel: threading.Event) -> None:
    def put(item: object) -> bool:
        while not cancel.is_set():
            try:
                lane.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    try:
        for chunk in chunks(obj):
            if not put(chunk):
                return
    except BaseException as error:  # the consumer raises it in the objects' order
        put(error)
        return
    put(_END)
