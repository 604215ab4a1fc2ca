"""The last failure a host's log shows, in a few lines a job summary can hold.

A Python traceback through boto3 is some 45 lines, nearly all of them botocore's; what the user needs is
the frames of their own code and the exception. So a traceback is compacted: frames in installed
packages and the standard library (`site-packages`, `dist-packages`, `lib/python3.x`, `<frozen ...>`)
collapse into one `[9 frames in boto3, botocore]` line per run, 3.11's `^^^^` markers go, and a chained
exception (`During handling of the above exception ...`) is named after the exception line.

Without a traceback, the last line that looks like an exception (`java.lang.IllegalStateException: ...`,
`ValueError: ...`) stands for it; without that, the log's last line; an empty log says so.
`LastFailure.key` is what two hosts share when they failed the same way: the text with host names
(`algo-3`) and addresses (`0x7f...`) masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

TRACEBACK_HEADER = "Traceback (most recent call last):"
CHAINED = {"During handling of the above exception, another exception occurred:": "while handling",
           "The above exception was the direct cause of the following exception:": "caused by"}
MAX_OWN_FRAMES = 8
MAX_LINE = 500  # characters of one line shown (an exception message can be a whole JSON document)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]*)", line \d+')
_MARKERS = re.compile(r"^\s*[\^~]+[\s\^~]*$")
_LIBRARY = re.compile(r"/(?:site|dist)-packages/(?P<package>[^/]+)"
                      r"|/lib/python\d+(?:\.\d+)?/(?!site-packages/|dist-packages/)(?P<stdlib>[^/]+)"
                      r"|^<frozen (?P<frozen>[^>.]+)")
_EXCEPTION = re.compile(r"(?<![\w.$])[A-Za-z_][\w.$]*(?:Error|Exception|Exit|Interrupt|Fault|Failure)(?::\s|$)")
_EXCEPTION_TYPE = re.compile(r"^[A-Za-z_][\w.]*(?=:|$)")
_HOST = re.compile(r"\balgo-\d+\b")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


class Kind(Enum):
    TRACEBACK = "traceback"  # a Python traceback: `frames` and the exception line
    EXCEPTION = "exception"  # a line that looks like an exception, no traceback around it
    LAST_LINE = "last line"  # neither: the log's last line
    SILENT = "silent"  # the log is empty


@dataclass(frozen=True, slots=True)
class LastFailure:
    kind: Kind
    line: str = ""  # the exception line, or the log's last line
    frames: tuple[str, ...] = ()  # compacted frame lines, indented as Python prints them
    chain: tuple[str, ...] = ()  # `while handling X`, `caused by Y`: the exceptions before it

    def lines(self) -> list[str]:
        """What a summary shows: the frames, the exception line, then what it was chained to."""
        return [*self.frames, self.line, *(f"({link})" for link in self.chain)]

    @property
    def key(self) -> str:
        """Equal for two hosts that failed the same way: host names and addresses masked."""
        return _ADDRESS.sub("0x_", _HOST.sub("algo-_", "\n".join((self.kind.value, *self.lines()))))


def last_failure(log: str) -> LastFailure:
    lines = [line.rstrip() for line in _ANSI.sub("", log).replace("\r\n", "\n").split("\n")]
    headers = [i for i, line in enumerate(lines) if line.strip() == TRACEBACK_HEADER]
    if headers:
        return _traceback(lines, headers)
    for line in reversed(lines):
        match = _EXCEPTION.search(line)
        if match is not None:
            return LastFailure(Kind.EXCEPTION, _cut(line[match.start():]))
    shown = [line for line in lines if line.strip()]
    return LastFailure(Kind.LAST_LINE, _cut(shown[-1].strip())) if shown else LastFailure(Kind.SILENT)


def _traceback(lines: list[str], headers: list[int]) -> LastFailure:
    frames, exception, _ = _block(lines, headers[-1])
    chain: list[str] = []
    for earlier, later in zip(reversed(headers[:-1]), reversed(headers[1:]), strict=False):
        _, cause, end = _block(lines, earlier)
        between = [line for line in lines[end:later] if line.strip()]
        if len(between) != 1 or between[0].strip() not in CHAINED:
            break
        found = _EXCEPTION_TYPE.match(cause)
        chain.append(f"{CHAINED[between[0].strip()]} {found.group() if found else _cut(cause)}")
    return LastFailure(Kind.TRACEBACK, _cut(exception) or "(the log ends inside the traceback)",
                       tuple(_compact(frames)), tuple(chain))


def _block(lines: list[str], header: int) -> tuple[list[list[str]], str, int]:
    """The frames after a traceback header (each its `File ...` line and what follows it), the exception
    line, and the index after it."""
    frames: list[list[str]] = []
    index = header + 1
    while index < len(lines) and lines[index][:1] in (" ", "\t"):
        line = lines[index]
        if _FRAME.match(line):
            frames.append([line])
        elif not _MARKERS.match(line) and frames:
            frames[-1].append(line)
        index += 1
    exception = lines[index] if index < len(lines) else ""
    return frames, exception, index + 1


def _compact(frames: list[list[str]]) -> list[str]:
    """Own frames in full; each run of library frames as one line naming the packages."""
    owners = [_library(frame[0]) for frame in frames]
    if frames and all(owner is not None for owner in owners):
        owners[-1] = None  # no own frame at all: show where it was raised
    own = [i for i, owner in enumerate(owners) if owner is None]
    start = own[-MAX_OWN_FRAMES] if len(own) > MAX_OWN_FRAMES else 0
    shown = [f"  [{start} earlier frames]"] if start else []
    run: list[str] = []
    for frame, owner in zip(frames[start:], owners[start:], strict=True):
        if owner is not None:
            run.append(owner)
            continue
        if run:
            shown.append(_run_line(run))
            run = []
        shown.extend(_cut(line) for line in frame)
    if run:
        shown.append(_run_line(run))
    return shown


def _run_line(packages: list[str]) -> str:
    count = len(packages)
    return f"  [{count} frame{'s' if count > 1 else ''} in {', '.join(dict.fromkeys(packages))}]"


def _library(frame_line: str) -> str | None:
    path = _FRAME.match(frame_line)
    found = _LIBRARY.search(path.group("path")) if path else None
    if found is None:
        return None
    name = found.group("package") or found.group("stdlib") or found.group("frozen")
    return name.removesuffix(".py")


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE else f"{line[:MAX_LINE]}..."
