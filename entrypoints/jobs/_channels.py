"""Which input channel and output a job uses, and the channel's CSV objects, in File or Pipe mode alike.

File mode: the *.csv files below the channel's LocalPath, by name. Pipe mode: the objects streamed into
the FIFO `<InputName>_0`, in key order, split where the header line repeats and named by the manifest
(byoc_runtime.pipe), so a job names its outputs the same in both modes. Each arrives as a `CsvReader`
over a binary stream: an open file, or the part of the FIFO that is that object.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from byoc_runtime import InputChannel, InputError, JobContext, OutputError, UsageError, iter_objects, read_manifest
from jobs._csv import CsvReader, open_csv

# The SageMaker SDK uploads a ScriptProcessor's script as an input named `code`: never the data.
CODE_CHANNEL = "code"
_LISTED_ENTRIES = 5
PIPE_SPLIT_NOTE = ("Pipe mode splits the stream where the first object's header line repeats, so an object with "
                   "another header is read as rows of the object before it")


def input_channel(ctx: JobContext, chosen: str | None) -> InputChannel:
    """`--input-channel`, else the one input not named `code`, so a one-input job needs no argument."""
    names = [channel.name for channel in ctx.job.inputs]
    if chosen is not None:
        if chosen not in names:
            raise UsageError(f"--input-channel {chosen!r}: no such input channel (this job has: "
                             f"{', '.join(names) or 'none'})")
        channel = ctx.input(chosen)
    else:
        data = [channel for channel in ctx.job.inputs if channel.name != CODE_CHANNEL]
        if not data:
            raise InputError(f"this job has no input channel besides {CODE_CHANNEL!r}: declare a ProcessingInput "
                             "(or, without config files, make a folder under /opt/ml/processing/input/)")
        if len(data) > 1:
            raise UsageError(f"this job has several input channels ({', '.join(c.name for c in data)}); "
                             "choose one with --input-channel")
        channel = data[0]
    return channel


def csv_objects(ctx: JobContext, channel: InputChannel) -> Iterator[CsvReader]:
    """A CsvReader for each CSV object of the channel, in key order; at least one, else an InputError now.

    File mode: each *.csv file (`csv_files`). Pipe mode: every object of the stream, whatever its
    name, since the stream carries them all; the objects must share the first one's header line (the
    split rule), and a reader is valid until the next one is asked for.
    """
    if channel.input_mode == "Pipe":
        manifest = read_manifest(ctx, channel.name)
        if not manifest.uris:
            raise InputError(f"its Pipe-mode stream is empty: the manifest {channel.name}-manifest lists no object "
                             "(with ShardedByS3Key, a host gets none when there are fewer objects than hosts)",
                             channel=channel.name)
        return _pipe_objects(ctx, channel)
    return _file_objects(channel, csv_files(ctx, channel))


def _pipe_objects(ctx: JobContext, channel: InputChannel) -> Iterator[CsvReader]:
    for obj, stream in iter_objects(ctx, channel.name):
        yield CsvReader(stream, channel=channel.name, file=obj.name, note=PIPE_SPLIT_NOTE)


def _file_objects(channel: InputChannel, files: list[tuple[str, Path]]) -> Iterator[CsvReader]:
    for name, path in files:
        with open_csv(path, channel=channel.name, file=name) as reader:
            yield reader



def csv_files(ctx: JobContext, channel: InputChannel) -> list[tuple[str, Path]]:
    """(name relative to the channel folder, path) of each CSV below it, sorted by name; at least one.

    Recursive, because an S3Prefix input keeps the keys' folders. Hidden files are skipped: macOS
    uploads carry `._name.csv` companions that are not CSV.
    """
    root = ctx.layout.local(channel.local_path)
    files = sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.suffix.lower() == ".csv" and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )
    if not files:
        raise InputError(f"no CSV file (*.csv) in its LocalPath {channel.local_path}; it holds: {_listing(root)}",
                         channel=channel.name)
    return files


def output_name(ctx: JobContext, chosen: str | None, default: str) -> str:
    """`--output`, else the one declared output, else (no config files and no output folder) `default`."""
    if chosen is not None:
        return chosen
    names = [output.name for output in ctx.job.outputs]
    if len(names) == 1:
        return names[0]
    if len(names) > 1:
        raise UsageError(f"this job has several outputs ({', '.join(names)}); choose one with --output")
    if ctx.configured:
        raise OutputError("ProcessingOutputConfig declares no output, so the results would be lost; declare one")
    return default


def host_suffix(ctx: JobContext, channel: InputChannel) -> str:
    """`_algo-2` when hosts read different shards, so files with a fixed name do not overwrite each other in S3.

    With FullyReplicated input every host computes the same files, and one copy under one name is right.
    """
    if ctx.host_count > 1 and channel.distribution == "ShardedByS3Key":
        return f"_{ctx.current_host}"
    return ""


def _listing(folder: Path) -> str:
    """A few entries of the folder, the hint a user needs when the data landed somewhere else."""
    entries = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    if not entries:
        return "nothing"
    more = f" and {len(entries) - _LISTED_ENTRIES} more" if len(entries) > _LISTED_ENTRIES else ""
    return ", ".join(entries[:_LISTED_ENTRIES]) + more
