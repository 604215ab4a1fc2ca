"""Volume staging: each host's /opt/ml is a Docker volume, filled and emptied through the engine's API.

For an engine that does not share this machine's filesystem (another machine, Docker Desktop's VM).
Per host the job gets, labelled `byoc.job=<job>` and `byoc.host=<host>`, removed with the job (but a
host's volume kept with its container, `LocalOptions.keep`, for `byoc debug`) and swept by `cluster.sweep`:

    volume  byoc-<job>-<host>-<random>, mounted at /opt/ml by the host's container with `nocopy`
            (the image's own /opt/ml never shows through, as with a bind mount)
    stager  a container of the job's image on the volume, created and never started: the engine's
            archive API reads and writes a created container's mounts, so no process runs in it and
            any image will do

In, before the containers start: one tar stream per host (archive.py) holding the config files, the
output folders and every object of the host's File-mode shards, read from S3 or local files as it is
sent, so nothing is copied to this machine's disk first. Each host's volume gets its own copy, and
each copy is read from its source: an engine elsewhere has its own disk, where nothing of this
machine's can be shared (with bind mounts, layers.py stages an input once for every host).
Pipe inputs: volume_feeder.py.
Out: while the job runs, each Continuous output is read back every poll into hosts/<host>/ml/ (only
files whose size or mtime changed are written; the whole folder crosses the engine's API each time);
once the hosts have exited, every output folder and the exit message replace their copies there.
"""

from __future__ import annotations

import secrets
import shutil
import tarfile
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import PurePosixPath
from typing import Any

from docker.errors import APIError, NotFound
from urllib3.exceptions import HTTPError

from launcher.errors import EngineError
from launcher.local.archive import Entry, Folder, InputObject, LocalFile, extract, tar_stream
from launcher.local.cluster import labels
from launcher.local.hostconfig import write_host_files
from launcher.local.hostfiles import Feeder, JobFiles
from launcher.local.options import Staging
from launcher.local.progress import Meters
from launcher.local.staging import InputPlans, in_parallel
from launcher.local.workspace import CONTAINER_ML

ML = str(CONTAINER_ML)


def in_ml(path: str | PurePosixPath) -> PurePosixPath:
    """A container path under /opt/ml, relative to it (archive names)."""
    return PurePosixPath(path).relative_to(CONTAINER_ML)


class VolumeFiles:
    """The job's volumes and their stagers; see the module docstring."""

    mode = Staging.VOLUME

    def __init__(self, files: JobFiles, client: Any, job_name: str) -> None:
        self.files = files
        self.client = client
        self.job_name = job_name
        self.image = files.job.image_uri
        suffix = secrets.token_hex(3)
        self.volumes = {host: f"byoc-{job_name}-{host}-{suffix}" for host in files.hosts}
        self.outputs: list[tuple[str, bool]] = []  # each output's LocalPath, and whether it is Continuous
        for output in files.job.outputs:
            assert output.source is not None, "an S3 output of a validated definition has a source"
            self.outputs.append((output.source, output.s3_upload_mode == "Continuous"))
        self.outputs += [(source, False) for source in files.kept]
        self._made: dict[str, list[str]] = {"volumes": [], "containers": []}
        self._stagers: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def sees_opens(self) -> bool:
        return False

    def mount(self, host: str) -> tuple[str, bool]:
        return self.volumes[host], True

    def labels(self, host: str) -> dict[str, str]:
        return labels(self.job_name, host, folder=str(self.files.workspace.folder))

    def create_on_volume(self, host: str, **options: Any) -> str:
        """A container of the job's image with the host's volume at /opt/ml and no network; its ID.
        It is removed by `remove()` unless its owner removes it first."""
        host_config = self.client.api.create_host_config(
            binds={self.volumes[host]: {"bind": ML, "mode": "rw,nocopy"}}, network_mode="none")
        try:
            container: str = self.client.api.create_container(self.image, labels=self.labels(host),
                                                              host_config=host_config, **options)["Id"]
        except APIError as exc:
            raise EngineError(f"could not create a container on {host}'s volume: {exc.explanation or exc}") from exc
        with self._lock:
            self._made["containers"].append(container)
        return container

    def stage(self, on_host_done: Callable[[str], None], meters: Meters) -> InputPlans:
        f = self.files
        write_host_files(f.workspace, f.job, f.request, f.arn, f.hosts)  # the copy kept in the job folder
        plans = f.plan_inputs()
        for channel in f.job.inputs:
            assert channel.input_name is not None, "a normalized S3 input"
            if channel.s3_input_mode == "File":
                shards = plans[channel.input_name].values()
                meters(channel.input_name).expect(sum(map(len, shards)), sum(o.size for s in shards for o in s))

        def stage_host(host: str) -> None:
            self._create_volume(host)
            self._stagers[host] = self.create_on_volume(host)
            self.put(host, tar_stream(self._entries(host, plans, meters), f.s3))
            on_host_done(host)

        in_parallel(f.hosts, stage_host)
        return plans

    def _create_volume(self, host: str) -> None:
        try:
            self.client.volumes.create(self.volumes[host], labels=self.labels(host))
        except APIError as exc:
            raise EngineError(f"could not create {host}'s volume: {exc.explanation or exc}") from exc
        with self._lock:
            self._made["volumes"].append(self.volumes[host])

    def _entries(self, host: str, plans: InputPlans, meters: Meters) -> Iterator[Entry]:
        config = self.files.workspace.host_path(host, "/opt/ml/config")
        for file in sorted(config.iterdir()):
            yield LocalFile(PurePosixPath("config", file.name), file)
        yield Folder(PurePosixPath("output"))
        for source, _ in self.outputs:
            yield Folder(in_ml(source))
        for channel in self.files.job.inputs:
            assert channel.input_name is not None and channel.destination is not None, "a normalized S3 input"
            yield Folder(in_ml(channel.destination))
            if channel.s3_input_mode == "File":
                meter = meters(channel.input_name)
                for obj in plans[channel.input_name][host]:
                    yield InputObject(in_ml(channel.destination) / obj.relative_path, obj)
                    meter.moved(obj.size)  # asked for the next entry: this one is in the stream, whole
                    meter.finished()

    def put(self, host: str, chunks: Iterator[bytes] | bytes) -> None:
        """Unpack a tar (streamed, or whole) into the host's /opt/ml."""
        try:
            self.client.api.put_archive(self._stagers[host], ML, chunks)
        except APIError as exc:
            raise EngineError(f"could not write into {host}'s volume: {exc.explanation or exc}") from exc

    def get(self, host: str, path: str) -> Iterator[bytes] | None:
        """A tar of `path` (a container path) in the host's volume, as it streams; None if there is none."""
        try:
            chunks, _ = self.client.api.get_archive(self._stagers[host], path)
        except NotFound:
            return None
        except APIError as exc:
            raise EngineError(f"could not read {path} in {host}'s volume: {exc.explanation or exc}") from exc
        stream: Iterator[bytes] = chunks
        return stream

    def feeder(self, plans: InputPlans) -> Feeder:
        from launcher.local.feeder import pipe_channels
        from launcher.local.volume_feeder import VolumeFeeder

        f = self.files
        return VolumeFeeder(pipe_channels(f.job.inputs, plans, f.workspace), f.s3, self, epochs=f.pipe_epochs,
                            spool=f.workspace.folder)

    def refresh(self) -> None:
        """Continuous outputs into hosts/<host>/ml/; a stream cut by a file still being written is retried
        at the next poll (files already whole were written; a half one never is)."""
        workspace = self.files.workspace
        for host in self.files.hosts:
            for source in (source for source, continuous in self.outputs if continuous):
                try:
                    chunks = self.get(host, source)
                    if chunks is not None:
                        extract(chunks, workspace.host_path(host, source), only_changed=True)
                except (tarfile.TarError, EOFError, OSError, HTTPError):
                    continue

    def collect(self) -> None:
        """Every output folder and the exit message, replacing their copies in hosts/<host>/ml/."""

        def collect_host(host: str) -> None:
            for source, _ in self.outputs:
                self._replace(host, source)
            self._replace(host, "/opt/ml/output/message")

        in_parallel(self.files.hosts, collect_host)

    def _replace(self, host: str, path: str) -> None:
        local = self.files.workspace.host_path(host, path)
        if local.is_dir():
            shutil.rmtree(local)
        else:
            local.unlink(missing_ok=True)
        chunks = self.get(host, path)
        if chunks is None:
            return
        try:
            extract(chunks, local)
        except (tarfile.TarError, EOFError, OSError, HTTPError) as error:
            raise EngineError(f"could not copy {path} out of {host}'s volume: {type(error).__name__}: {error}"
                              ) from error

    def remove(self, keep: Collection[str] = ()) -> None:
        kept = {self.volumes[host] for host in keep}  # `byoc clean` removes them with their containers
        with self._lock:
            containers = self._made["containers"]
            volumes = [volume for volume in self._made["volumes"] if volume not in kept]
            self._made = {"volumes": [], "containers": []}
        in_parallel(tuple(containers), lambda c: _quiet(lambda: self.client.api.remove_container(c, force=True)))
        in_parallel(tuple(volumes), lambda v: _quiet(lambda: self.client.api.remove_volume(v, force=True)))


def _quiet(action: Callable[[], object]) -> None:
    """A clean-up step whose object may already be gone (404) or being removed (409); `sweep` gets the rest."""
    try:
        action()
    except APIError as exc:
        if exc.status_code not in (404, 409):
            raise
