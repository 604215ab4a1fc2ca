"""The SageMaker Processing container contract for jobs and user scripts (stdlib only).

from byoc_runtime import load_context, run

def main(argv):
    ctx = load_context()
    for path in ctx.input_dir("raw").iterdir(): ...

if __name__ == "__main__":
    run(main)

Pipe mode: `iter_objects(ctx, name)` and `open_channel(ctx, name)` read a channel in File or Pipe mode
through the same binary stream (see byoc_runtime.pipe).
"""

from byoc_runtime.args import ArgumentParser
from byoc_runtime.context import JobContext, MlLayout, load_context
from byoc_runtime.contract import InputChannel, JobConfig, OutputChannel, ResourceConfig
from byoc_runtime.errors import ContractError, InputError, KitError, OutputError, Stopped, UsageError
from byoc_runtime.pipe import (
    Manifest,
    PipeObject,
    PipeReader,
    epochs,
    fifo_path,
    input_mode,
    iter_objects,
    manifest_path,
    open_channel,
    open_fifo,
    read_manifest,
    split_objects,
)
from byoc_runtime.runner import run

__all__ = [
    "ArgumentParser",
    "ContractError",
    "InputChannel",
    "InputError",
    "JobConfig",
    "JobContext",
    "KitError",
    "Manifest",
    "MlLayout",
    "OutputChannel",
    "OutputError",
    "PipeObject",
    "PipeReader",
    "ResourceConfig",
    "Stopped",
    "UsageError",
    "epochs",
    "fifo_path",
    "input_mode",
    "iter_objects",
    "load_context",
    "manifest_path",
    "open_channel",
    "open_fifo",
    "read_manifest",
    "run",
    "split_objects",
]
