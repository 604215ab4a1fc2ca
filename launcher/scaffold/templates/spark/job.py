"""{{name}}: a PySpark app, run by every instance of the job as one Spark cluster.

The image's ENTRYPOINT is `python3 -m byoc_spark spark-app /opt/program/job.py`: every host runs it, the
first (algo-1) starts the Spark master and runs this app as the driver, every host runs a worker. A job
file's `arguments` (ContainerArguments) reach main() as argv.

Summarises each CSV file (header `station,temperature`) of the input channel `data`, in File or Pipe
mode, into one row per file (rows, min, max, mean) of a CSV in the output `summary`. byoc_runtime.run
turns every way out of main() into SageMaker's contract: exit 0, or a non-zero exit code with the cause
in /opt/ml/output/message, the job's ExitMessage (a bad value read by the driver is an InputError naming
the channel, file and line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from byoc_runtime import ArgumentParser, InputError, JobContext, input_mode, iter_objects, load_context, run

CHANNEL = "data"
OUTPUT = "summary"
SCHEMA = "station string, temperature double"
HEADER = ["station", "temperature"]


def main(argv: Sequence[str]) -> None:
    parser = ArgumentParser(prog="job.py", description="Summarise each CSV file of the input channel.")
    parser.add_argument("--decimals", type=int, default=2, help="digits kept after the point in the mean")
    args = parser.parse_args(argv)
    ctx = load_context()

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("{{name}}").getOrCreate()
    try:
        if input_mode(ctx, CHANNEL) == "Pipe":
            # Pipe mode: the objects stream through the driver's FIFO and nothing lands on disk: the driver reads
            # them (the runtime splits the stream where the header line comes again) and hands Spark the rows.
            frame = spark.createDataFrame(list(pipe_rows(ctx)), f"file string, {SCHEMA}")
        else:
            # File mode: every host holds the whole channel (FullyReplicated), so any executor reads any file.
            frame = (spark.read.csv(str(ctx.input_dir(CHANNEL)), schema=SCHEMA, header=True, mode="FAILFAST")
                     .withColumn("file", F.regexp_extract(F.input_file_name(), r"([^/]+)$", 1)))
        summary = (frame.groupBy("file")
                   .agg(F.count("*").alias("rows"), F.min("temperature").alias("min"),
                        F.max("temperature").alias("max"), F.round(F.avg("temperature"), args.decimals).alias("mean"))
                   .orderBy("file"))
        # One part file; each executor writes on its own host, and every host's folder goes to one destination.
        summary.coalesce(1).write.csv(str(ctx.output_dir(OUTPUT)), header=True, mode="overwrite")
        print(f"{ctx.current_host}: summarised channel {CHANNEL!r} into output {OUTPUT!r}", flush=True)
    finally:
        spark.stop()


def pipe_rows(ctx: JobContext) -> Iterator[tuple[str, str, float]]:
    """(file, station, temperature) of every row the channel's stream holds."""
    for obj, stream in iter_objects(ctx, CHANNEL):
        reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
        header = next(reader, None)
        if header != HEADER:
            raise InputError(f"the header is {header}, expected {HEADER}", channel=CHANNEL, file=obj.name, line=1)
        for line, row in enumerate(reader, start=2):
            try:
                yield obj.name, row[0], float(row[1])
            except (IndexError, ValueError):
                raise InputError(f"{','.join(row)!r} has no number in column 2 (temperature)", channel=CHANNEL,
                                 file=obj.name, line=line) from None


if __name__ == "__main__":
    run(main)
