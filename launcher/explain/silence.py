"""Warnings for a job that Completed having done nothing somewhere, each naming the channel and the hosts.

- A Pipe input whose FIFO nobody opened: its data streamed to no one (a script that globbed `*.csv` in
  the input folder finds only the FIFO and the manifest, and completes with nothing done).
- A File input staged and never opened: the job read its data from somewhere else (training's
  /opt/ml/input/data/<channel>, a hard-coded path) or not at all.
- An output empty on every host: nothing was uploaded.

Inputs: a FullyReplicated input is silent only if no host opened its copy (one host may read for all);
a ShardedByS3Key input is silent on each host that was given objects and opened none of them, since
that host's shard is read by no one else. Hosts given nothing are never named. Where the backend could
not tell whether a host opened an input (`opened` None), nothing is said about that input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from launcher.explain.naming import name_hosts


@dataclass(frozen=True, slots=True)
class InputUse:
    """One input of a finished job: per host, the objects it was given and whether any was opened."""

    name: str
    mode: str  # File or Pipe
    local_path: str
    sharded: bool
    given: Mapping[str, int]
    opened: Mapping[str, bool | None]


@dataclass(frozen=True, slots=True)
class OutputUse:
    """One output of a finished job: per host, whether it left any regular file in the LocalPath."""

    name: str
    local_path: str
    destination: str
    written: Mapping[str, bool]


def silence_warnings(inputs: tuple[InputUse, ...], outputs: tuple[OutputUse, ...]) -> tuple[str, ...]:
    found = [warning for use in inputs if (warning := _input_warning(use)) is not None]
    found.extend(warning for use in outputs if (warning := _output_warning(use)) is not None)
    return tuple(found)


def _input_warning(use: InputUse) -> str | None:
    given = [host for host, count in use.given.items() if count > 0]
    if not given or any(use.opened.get(host) is None for host in given):
        return None
    unread = [host for host in given if not use.opened[host]]
    if not unread or (not use.sharded and len(unread) < len(given)):
        return None
    copies = not use.sharded and len(unread) > 1  # every host had the same objects
    objects = max(use.given[host] for host in unread) if copies else sum(use.given[host] for host in unread)
    everyone = len(unread) == len(use.given) and len(unread) > 1
    who = f"any host ({name_hosts(unread)})" if everyone else name_hosts(unread)
    if use.mode == "Pipe":
        fifo = f"{use.local_path.rstrip('/')}/{use.name}_0"
        return (f"Pipe input '{use.name}': the FIFO {fifo} was never opened by {who}; {objects} object{_s(objects)}"
                f"{' (streamed to each host)' if copies else ''} {'were' if objects > 1 else 'was'} never read")
    copy = " (a copy on each host)" if copies else ""
    return (f"input '{use.name}': no file of it was opened by {who}; the {objects} file{_s(objects)} staged in "
            f"{use.local_path}{copy} {'were' if objects > 1 else 'was'} never read")


def _output_warning(use: OutputUse) -> str | None:
    if any(use.written.values()) or not use.written:
        return None
    hosts = list(use.written)
    where = f"every host ({name_hosts(hosts)})" if len(hosts) > 1 else hosts[0]
    return f"output '{use.name}': {use.local_path} is empty on {where}; nothing was uploaded to {use.destination}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
