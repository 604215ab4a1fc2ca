"""{{name}}: a SageMaker Processing job, run as the image's ENTRYPOINT (`python3 /opt/program/job.py`).

Summarises each CSV file (header `station,temperature`) of the input channel `data`, in File or Pipe
mode, into one line per file (rows, min, max, mean) of <host>.csv in the output `summary`. Each host
writes its own file, so hosts never overwrite each other's output (they all upload to one prefix).

byoc_runtime.run turns every way out of main() into SageMaker's contract: exit 0; or a non-zero exit
code with the cause in /opt/ml/output/message, which SageMaker shows as the job's ExitMessage. A bad
value is an InputError naming the channel, file and line (exit 4); bad ContainerArguments a UsageError
(exit 2); a stop (StopProcessingJob, MaxRuntimeInSeconds) exits 143. Kept to Python 3.9 syntax, the
oldest Python byoc-runtime supports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TextIO

from byoc_runtime import ArgumentParser, InputError, JobContext, input_mode, iter_objects, load_context, run

CHANNEL = "data"
OUTPUT = "summary"
HEADER = ["station", "temperature"]


def main(argv: Sequence[str]) -> None:
    parser = ArgumentParser(prog="job.py", description="Summarise each CSV file of the input channel.")
    parser.add_argument("--decimals", type=int, default=2, help="digits kept after the point in the mean")
    args = parser.parse_args(argv)
    ctx = load_context()
    rows = [summarise(name, text, args.decimals) for name, text in tables(ctx)]
    target = ctx.output_dir(OUTPUT) / f"{ctx.current_host}.csv"
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "rows", "min", "max", "mean"])
        writer.writerows(rows)
    print(f"{ctx.current_host}: summarised {len(rows)} file(s) of channel {CHANNEL!r} into {target}", flush=True)


def tables(ctx: JobContext) -> Iterator[tuple[str, TextIO]]:
    """Each file of the channel as text, named by its path in the channel. Read one before asking for the next."""
    if input_mode(ctx, CHANNEL) == "Pipe":
        # Pipe mode: this host's objects stream back to back through a FIFO and nothing lands on disk. The
        # runtime splits the stream where the header line comes again and names each piece from the manifest.
        for obj, stream in iter_objects(ctx, CHANNEL):
            yield obj.name, io.TextIOWrapper(stream, encoding="utf-8", newline="")
    else:
        # File mode: this host's share of the files is on disk before the job starts.
        folder = ctx.input_dir(CHANNEL)
        for path in sorted(folder.rglob("*.csv")):
            with path.open(encoding="utf-8", newline="") as text:
                yield path.relative_to(folder).as_posix(), text


def summarise(name: str, text: TextIO, decimals: int) -> list[object]:
    reader = csv.reader(text)
    header = next(reader, None)
    if header != HEADER:
        raise InputError(f"the header is {header}, expected {HEADER}", channel=CHANNEL, file=name, line=1)
    values = []
    for line, row in enumerate(reader, start=2):
        try:
            values.append(float(row[1]))
        except (IndexError, ValueError):
            raise InputError(f"{','.join(row)!r} has no number in column 2 (temperature)", channel=CHANNEL,
                             file=name, line=line) from None
    if not values:
        raise InputError("no rows below the header", channel=CHANNEL, file=name)
    return [name, len(values), min(values), max(values), round(sum(values) / len(values), decimals)]


if __name__ == "__main__":
    run(main)
