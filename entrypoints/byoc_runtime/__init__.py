"""The SageMaker Processing container contract for jobs and user scripts (stdlib only).

from byoc_runtime import load_context, run

def main(argv):
    ctx = load_context()
    for path in ctx.input_dir("raw").iterdir(): ...

if __name__ == "__main__":
    run(main)
"""

from byoc_runtime.args import ArgumentParser
from byoc_runtime.context import JobContext, MlLayout, load_context
from byoc_runtime.contract import InputChannel, JobConfig, OutputChannel, ResourceConfig
from byoc_runtime.errors import ContractError, InputError, KitError, OutputError, Stopped, UsageError
from byoc_runtime.runner import run

__all__ = [
    "ArgumentParser",
    "ContractError",
    "InputChannel",
    "InputError",
    "JobConfig",
    "JobContext",
    "KitError",
    "MlLayout",
    "OutputChannel",
    "OutputError",
    "ResourceConfig",
    "Stopped",
    "UsageError",
    "load_context",
    "run",
]
