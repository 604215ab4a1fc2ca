"""The CLI's rich consoles, made once per module and remade when the streams under them change.

A console decides at creation whether its stream is a terminal and which colours it takes. A warm `byoc`
(warm.py) runs a command in a fork of a process whose consoles were made for other streams, so it has every
console made here decide again (`redetect`) for the streams it now writes to.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

_made: list[tuple[Console, dict[str, Any]]] = []


def console(**settings: Any) -> Console:
    """A `rich.console.Console(**settings)` that `redetect` can remake."""
    made = Console(**settings)
    _made.append((made, settings))
    return made


def redetect() -> None:
    """Remake every console in place, for this process's stdout and stderr as they are now."""
    for made, settings in _made:
        made.__init__(**settings)  # type: ignore[misc]  # in place: modules hold these very objects
