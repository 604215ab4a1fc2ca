"""The one place where an exception that ends a `byoc` command becomes what the user sees and an exit code.

typer reports bad arguments itself (exit 2). Everything a command raises passes through `Handled.invoke`:
a `LauncherError` is one red line and its own exit code, an interruption its signal's code, anything
else a bug: its traceback, a line saying so, exit 1.
"""

from __future__ import annotations

import traceback
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from launcher.cli.interrupts import Interrupted
from launcher.errors import EXIT_FAILED, LauncherError


class Handled(TyperGroup):
    """The command group of `byoc`, whose every command runs inside the handler."""

    def invoke(self, ctx: Any) -> Any:
        err = Console(stderr=True, soft_wrap=True, highlight=False)
        try:
            return super().invoke(ctx)
        except Interrupted as interrupted:
            raise typer.Exit(interrupted.exit_code) from None
        except LauncherError as error:
            err.print(Text.assemble(("error: ", "bold red"), str(error)))
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if _is_usage(error):
                raise
            err.print(Text(traceback.format_exc().rstrip()))
            err.print(Text("this is a bug in byoc: please report it with the traceback above", style="bold red"))
            raise typer.Exit(EXIT_FAILED) from None


def _is_usage(error: Exception) -> bool:
    """typer's own argument errors (raised by the command group while it parses) are typer's to report."""
    return type(error).__module__.startswith("typer.")
