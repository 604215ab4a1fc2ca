"""argparse that reports bad ContainerArguments as a UsageError instead of exiting with status 2."""

from __future__ import annotations

import argparse
from typing import NoReturn

from byoc_runtime.errors import UsageError


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (ContainerArguments: see `{self.prog} --help`)")
