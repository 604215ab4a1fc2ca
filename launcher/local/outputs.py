"""Taking outputs out of the hosts' folders, EndOfJob or Continuous, as SageMaker does.

Every host uploads its own LocalPath to the same destination, so two hosts writing one file name
would, on SageMaker, silently overwrite each other. Here that is caught instead, for every output
before any object of it is uploaded: identical files are uploaded once; different files at one name
fail the job with both hosts named; so does a file on one host where another host has a folder of
the same name (`x` and `x/y`), when the destination is a local folder, which cannot hold both (S3
can: keys `x` and `x/y` coexist there, as on SageMaker).

EndOfJob outputs go out only after every host has exited 0. Continuous outputs go out while the job
runs (a file is sent once its size and mtime have held still for one poll), and whatever is new
is sent at the end of a successful job. On failure or stop nothing more is sent: the files stay in
the job folder. `on_progress` hears, per output, how many of its objects and bytes have reached the
destination, so a cut-off upload is reported as exactly that, and `byoc run` draws it as it goes.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from launcher.definition import ProcessingOutput
from launcher.errors import LauncherError, UsageError
from launcher.local.progress import Meter
from launcher.local.workspace import JobWorkspace
from launcher.storage.client import S3ClientProvider
from launcher.storage.locations import LocalLocation, Location, parse_location
from launcher.storage.transfer import upload_one

CHUNK = 1 << 20

ProgressReport = Callable[[str, int, int, int, int], None]
"""Called with (output name, objects at the destination, objects in all, bytes there, bytes in all)."""


class OutputConflictError(UsageError):
    """Two hosts wrote the same name in one output: different files, or a file and a folder."""

    def __init__(self, output: str, relative: PurePosixPath, hosts: Iterable[str], what: str) -> None:
        names = " and ".join(sorted(hosts))
        super().__init__(
            f"output '{output}': {names} both wrote '{relative}' {what}; on SageMaker one would silently "
            "overwrite the other. Give each host's files their own names (e.g. include the current host)"
        )


@dataclass(frozen=True, slots=True)
class HostFile:
    host: str
    path: Path
    relative: PurePosixPath


def output_files(workspace: JobWorkspace, hosts: tuple[str, ...], output: ProcessingOutput) -> list[HostFile]:
    """Regular files under each host's LocalPath; symlinks are not followed, as on SageMaker."""
    found = []
    assert output.source is not None, "an S3 output of a validated definition has a source"
    for host in hosts:
        root = workspace.host_path(host, output.source)
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                found.append(HostFile(host, path, PurePosixPath(path.relative_to(root).as_posix())))
    return found


def check_conflicts(output: ProcessingOutput, files: list[HostFile], *, local_destination: bool) -> list[HostFile]:
    """The files to upload for one output, one per name; or an OutputConflictError. Contents are read
    (sha256) only where several hosts wrote one name."""
    assert output.output_name is not None, "a normalized output has a name"
    by_name: dict[PurePosixPath, list[HostFile]] = {}
    for file in files:
        by_name.setdefault(file.relative, []).append(file)
    for relative, (first, *others) in by_name.items():
        expected = _digest(first.path) if others else ""
        for other in others:
            if _digest(other.path) != expected:
                raise OutputConflictError(output.output_name, relative, (first.host, other.host),
                                          "with different contents")
    chosen = {relative: same[0] for relative, same in by_name.items()}
    if local_destination:
        for relative, file in chosen.items():
            for parent in relative.parents:
                if parent in chosen:
                    raise OutputConflictError(output.output_name, parent, (chosen[parent].host, file.host),
                                              f"as a file and as a folder (holding '{relative}')")
    return list(chosen.values())


def upload_outputs(
    workspace: JobWorkspace,
    hosts: tuple[str, ...],
    outputs: tuple[ProcessingOutput, ...],
    s3: S3ClientProvider,
    *,
    skip: Mapping[tuple[str, PurePosixPath], str] | None = None,
    on_progress: ProgressReport | None = None,
) -> None:
    """Check every output for conflicts first, then upload; `skip` holds the digest last sent of (output, name).

    The hosts have exited: a local destination gets hard links to their files where it can (no copy)."""
    planned = []
    for output in outputs:
        assert output.destination is not None, "an S3 output of a validated definition has a destination"
        destination = parse_location(output.destination)
        files = check_conflicts(output, output_files(workspace, hosts, output),
                                local_destination=isinstance(destination, LocalLocation))
        planned.append((output, destination, files))
    sent = skip or {}
    report = on_progress or (lambda *_: None)
    pending = []
    for output, destination, files in planned:
        name = output.output_name
        assert name is not None, "a normalized output has a name"
        meter = Meter(functools.partial(report, name))
        left = [file for file in files if (name, file.relative) not in sent
                or sent[name, file.relative] != _digest(file.path)]
        meter.objects = len(files) - len(left)  # sent while the job ran
        meter.bytes = sum(f.path.stat().st_size for f in files) - sum(f.path.stat().st_size for f in left)
        meter.expect(len(files), sum(f.path.stat().st_size for f in files))
        pending.append((destination, left, meter))
    for destination, left, meter in pending:
        for file in left:
            upload_one(file.path, destination, file.relative, s3, progress=meter.moved, link=True)
            meter.finished()


class ContinuousUploader:
    """Polls the Continuous outputs of every host and uploads files whose size and mtime held still for a poll.

    A file is read (hashed, and sent if its bytes are not what its destination holds) once per (size, mtime)
    it holds still at: a large output that no longer changes costs a stat per poll, not a read."""

    def __init__(
        self,
        workspace: JobWorkspace,
        hosts: tuple[str, ...],
        outputs: tuple[ProcessingOutput, ...],
        s3: S3ClientProvider,
        interval_seconds: float,
        refresh: Callable[[], None] = lambda: None,
        on_progress: ProgressReport | None = None,
    ) -> None:
        self.workspace = workspace
        self.refresh = refresh  # brings the hosts' files into their folders first, when they live elsewhere
        self.hosts = hosts
        self.outputs = tuple(o for o in outputs if o.s3_upload_mode == "Continuous")
        self.s3 = s3
        self.interval = interval_seconds
        self.owners: dict[tuple[str, PurePosixPath], tuple[str, str]] = {}  # (output, name) -> (host, digest) last sent
        self.error: LauncherError | None = None
        self.report = on_progress or (lambda *_: None)
        self.moved: dict[str, list[int]] = {}  # output -> [objects, bytes] sent
        self._seen: dict[Path, tuple[int, int]] = {}  # (size, mtime) at the last poll
        self._checked: dict[Path, tuple[int, int]] = {}  # (size, mtime) when last hashed and found sent
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="continuous-upload", daemon=True)

    @property
    def sent(self) -> dict[tuple[str, PurePosixPath], str]:
        """The digest of what each (output, name) last sent holds at its destination."""
        return {key: digest for key, (_, digest) in self.owners.items()}

    def start(self) -> None:
        if self.outputs:
            self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self.poll()
            except LauncherError as error:  # kept for the end of the job; polling goes on for other files
                self.error = self.error or error

    def poll(self) -> None:
        self.refresh()
        for output in self.outputs:
            assert output.destination is not None, "an S3 output of a validated definition has a destination"
            assert output.output_name is not None, "a normalized output has a name"
            destination = parse_location(output.destination)
            files = output_files(self.workspace, self.hosts, output)
            seen = 0
            for file in files:
                stat = file.path.stat()
                seen += stat.st_size
                signature = (stat.st_size, stat.st_mtime_ns)
                steady = self._seen.get(file.path) == signature
                self._seen[file.path] = signature
                if steady and self._checked.get(file.path) != signature:  # a file held still is read once
                    self._send(output, file, destination)
                    self._checked[file.path] = signature
            objects, nbytes = self.moved.get(output.output_name, [0, 0])
            self.report(output.output_name, objects, max(objects, len(files)), nbytes, max(nbytes, seen))

    def _send(self, output: ProcessingOutput, file: HostFile, destination: Location) -> None:
        digest = _digest(file.path)
        assert output.output_name is not None, "a normalized output has a name"
        key = (output.output_name, file.relative)
        owner = self.owners.get(key)
        if owner is not None and owner[1] == digest:  # what the destination holds
            return
        if owner is not None and owner[0] != file.host:
            raise OutputConflictError(output.output_name, file.relative, (owner[0], file.host),
                                      "with different contents")
        upload_one(file.path, destination, file.relative, self.s3)
        self.owners[key] = (file.host, digest)
        moved = self.moved.setdefault(output.output_name, [0, 0])
        moved[0] += 1
        moved[1] += file.path.stat().st_size


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
