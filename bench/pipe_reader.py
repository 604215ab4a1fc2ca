"""The Pipe-mode reader's throughput through a FIFO against `cat FIFO > /dev/null`, on the same bytes.

    python bench/pipe_reader.py [--gib 1] [--rounds 3]      (or python -m bench.pipe_reader)

A writer process streams the same data into a FIFO for every reader, 1 GiB of a repeated 1 MiB buffer in
1 MiB writes, in two set-ups:
  - feeder-like: the writer raises the pipe to /proc/sys/fs/pipe-max-size, as the local backend's feeder
    does, so every reader gets the same pipe: this compares the readers themselves (the headline);
  - plain writer: the pipe keeps the writer's default 64 KiB (SageMaker's writer is not documented), so
    cat reads a 64 KiB pipe while our reader raises it from its end, as it does in a container.
Readers, interleaved round by round (bench.timing.interleaved; medians reported):
  - cat:         `cat FIFO > /dev/null`, the baseline;
  - ours:        byoc_runtime.open_fifo, `readinto` a 1 MiB buffer: what a job that parses its own framing
                 reads through (target: at least 0.8x cat's MB/s);
  - naive:       `open(FIFO, "rb").read(65536)` in a loop, for context;
  - objects:     byoc_runtime.split_objects over the same amount of CSV, 64 objects with a header each,
                 every object read to its end: the path CSV jobs take in Pipe mode (reported, no target).
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as `python bench/pipe_reader.py`
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "entrypoints"))

from bench.timing import MIN_ROUNDS, Result, Target, interleaved, medians, ratio_text, report  # noqa: E402
from byoc_runtime.pipe import open_fifo, split_objects  # noqa: E402

MIB = 1 << 20
BLOCK = MIB
OBJECTS = 64

# The writer: the bytes of SOURCE repeated up to TOTAL, in BLOCK-sized writes, into the FIFO.
WRITER = r"""
import fcntl, os, sys
path, total, block, source, raise_pipe = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
data = open(source, "rb").read()
fd = os.open(path, os.O_WRONLY)
if raise_pipe == "1":
    try:
        fcntl.fcntl(fd, 1031, int(open("/proc/sys/fs/pipe-max-size").read()))  # F_SETPIPE_SZ, as the feeder does
    except OSError:
        pass
view, left, at = memoryview(data), total, 0
while left:
    n = os.write(fd, view[at:at + min(block, left, len(data) - at)])
    left -= n
    at = (at + n) % len(data)
os.close(fd)
"""


def csv_object(size: int) -> bytes:
    """One CSV object of about `size` bytes: a header line, then ECG-like rows."""
    header = b"time,lead_i,lead_ii,lead_iii,lead_v1\n"
    row = b"12.345,0.12345,-0.23456,0.34567,-0.45678\n"
    return header + row * ((size - len(header)) // len(row))


def timed_read(fifo: Path, source: Path, total: int, reader: Callable[[Path], int | None], raise_pipe: bool) -> float:
    """Seconds `reader` takes to read the whole stream; the writer is started (and waiting) beforehand."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(fifo), str(total), str(BLOCK), str(source),
                               "1" if raise_pipe else "0"])
    try:
        time.sleep(0.3)  # let the writer start up and block in open(): its start-up is not timed
        started = time.perf_counter()
        got = reader(fifo)
        elapsed = time.perf_counter() - started
    finally:
        if writer.wait(60) != 0:
            raise RuntimeError("the writer failed")
    if got is not None and got != total:
        raise RuntimeError(f"read {got} bytes of {total}")
    return elapsed


def read_cat(fifo: Path) -> None:
    """cat's byte count is not seen; the writer's exit status and the other readers' counts vouch for it."""
    subprocess.run(["cat", str(fifo)], stdout=subprocess.DEVNULL, check=True)


def read_ours(fifo: Path) -> int:
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    total = 0
    with open_fifo(fifo) as stream:
        while count := stream.readinto(view):
            total += count
    return total


def read_naive(fifo: Path) -> int:
    total = 0
    with open(fifo, "rb") as stream:
        while chunk := stream.read(65536):
            total += len(chunk)
    return total


def read_objects(fifo: Path) -> int:
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    total = objects = 0
    with open_fifo(fifo) as stream:
        for part in split_objects(stream):
            objects += 1
            while count := part.readinto(view):
                total += count
    if objects != OBJECTS:
        raise RuntimeError(f"split into {objects} objects, expected {OBJECTS}")
    return total


def main(gib: float = 1.0, rounds: int = MIN_ROUNDS) -> list[Result]:
    total = int(gib * (1 << 30)) // MIB * MIB
    with tempfile.TemporaryDirectory(prefix="byoc-bench-pipe-") as tmp:
        fifo = Path(tmp) / "data_0"
        os.mkfifo(fifo)
        zeros = Path(tmp) / "zeros"
        zeros.write_bytes(bytes(MIB))
        csv = Path(tmp) / "object.csv"
        csv.write_bytes(csv_object(total // OBJECTS))
        csv_total = csv.stat().st_size * OBJECTS
        measures = {
            f"{'feeder-like' if raised else 'plain writer'}/{name}":
                functools.partial(timed_read, fifo, zeros, total, reader, raised)
            for raised in (True, False)
            for name, reader in (("cat", read_cat), ("ours", read_ours), ("naive", read_naive))
        }
        measures["feeder-like/objects"] = functools.partial(timed_read, fifo, csv, csv_total, read_objects, True)
        seconds = medians(interleaved(measures, rounds))
    rate = {name: (csv_total if name.endswith("objects") else total) / median / 1e6
            for name, median in seconds.items()}
    for setup in ("feeder-like", "plain writer"):
        print(f"{setup}, {total / (1 << 30):.2f} GiB through a FIFO, median of {rounds}: cat {rate[setup + '/cat']:.0f}"
              f" MB/s, byoc_runtime reader {rate[setup + '/ours']:.0f} MB/s, naive read(65536) loop "
              f"{rate[setup + '/naive']:.0f} MB/s")
    print(f"feeder-like, split into {OBJECTS} CSV objects (iter_objects' path): {rate['feeder-like/objects']:.0f} MB/s")
    plain = rate["plain writer/ours"] / rate["plain writer/cat"]
    print(f"plain writer (64 KiB pipe for cat, raised by ours): ratio {ratio_text(plain)}")
    return [report("Pipe reader (open_fifo + readinto) vs cat FIFO > /dev/null, same pipe", rate["feeder-like/ours"],
                   rate["feeder-like/cat"], unit="MB/s", target=Target(0.8, at_least=True),
                   note=f"with a plain writer's 64 KiB pipe: {ratio_text(plain)}")]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    arguments = parser.parse_args()
    main(arguments.gib, arguments.rounds)
