"""`byoc doctor`'s output read back: one line per check, `ok  ` or `FAIL`, the name, what was seen; a fix below."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^(?P<mark>ok  |FAIL)  (?P<name>.{20}) (?P<detail>.*)$")
_FIX = "      fix: "


@dataclass(frozen=True, slots=True)
class Line:
    ok: bool
    detail: str
    fix: str | None = None


def read(stdout: str) -> dict[str, Line]:
    """Checks by name, in order; every line of the output is one of them or a fix."""
    found: dict[str, Line] = {}
    last = None
    for text in stdout.splitlines():
        if text.startswith(_FIX) and last is not None:
            found[last] = Line(found[last].ok, found[last].detail, text.removeprefix(_FIX))
            continue
        match = _LINE.match(text)
        assert match is not None, f"not a check line: {text!r} in\n{stdout}"
        last = match["name"].rstrip()
        found[last] = Line(match["mark"] == "ok  ", match["detail"])
    return found
