"""`byoc serve`: build the endpoint, listen, and the lifecycle around it (foreground, --detach, --stop).

    run(options)     foreground: one log line per request on stderr until SIGINT/SIGTERM
    detach(options)  the same in a background process (log in <state>/serve.log, pid in <state>/serve.pid)
    stop(options)    SIGTERM to the detached server, waiting until it is gone

Listeners: `options.host:port` for clients; and, when job containers can reach this host (reach.py: the gateway
of a network the server makes in the engine, removed when it stops), the same port on that address, so jobs
read and write the embedded S3 with the URL the local backend gives them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from launcher.errors import BackendError, UsageError
from launcher.images import ImageResolver
from launcher.local.backend import LocalBackend
from launcher.local.launch import pid_alive
from launcher.local.options import DEFAULT_CREDENTIALS_IMAGE, LocalOptions, Supervision
from launcher.local.workspace import jobs_root
from launcher.serve import reach
from launcher.serve.app import Endpoint
from launcher.serve.ends import EndReporter
from launcher.serve.environment import SERVER_FILE, sdk_config
from launcher.serve.keys import KeyRing, chain_key, generated_key, private_folder
from launcher.serve.logs_api import LogsApi
from launcher.serve.options import REMOTE_DANGER, ServeOptions, is_loopback
from launcher.serve.s3 import EmbeddedS3
from launcher.serve.sagemaker_api import SageMakerApi
from launcher.serve.store import EndpointStore

PID_FILE = "serve.pid"
LOG_FILE = "serve.log"


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive (SDK pollers reuse their connections); the endpoint logs each request itself."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Running:
    """A started endpoint: its URL, the URL job containers use, and its listeners."""

    url: str
    jobs_s3_url: str | None
    servers: list[BaseWSGIServer]
    threads: list[threading.Thread]
    api: SageMakerApi
    grace_seconds: float
    ends: EndReporter
    resources: ExitStack = field(default_factory=ExitStack)  # the containers' way in (reach.py)

    def close(self, log: TextIO = sys.stderr) -> None:
        """Stop listening, then stop the jobs this server runs (they would outlive it unsupervised) and wait
        for their containers to go, within the stop grace period and a little more."""
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(5)
        left = self.api.stop_all(self.grace_seconds + 30)
        self.ends.stop()
        if left:
            print(f"byoc serve: jobs still stopping at exit: {', '.join(left)}", file=log, flush=True)
        self.resources.close()


def _is_local_image(image: str) -> bool:
    from docker.errors import DockerException, ImageNotFound

    from launcher.local.cluster import engine

    try:
        engine().images.get(image)
    except ImageNotFound:
        return False
    except DockerException:
        return False
    return True


def start(options: ServeOptions, log: TextIO = sys.stderr) -> Running:
    options.check()
    state = private_folder(options.state)
    key = generated_key(state)
    _own_environment(options, key)
    keys = KeyRing([k for k in (key, chain_key()) if k is not None])

    def notice(line: str) -> None:
        print(f"byoc serve: {line}", file=log, flush=True)

    s3 = None
    if options.s3_endpoint_url is None:
        s3 = EmbeddedS3(state / "s3")
        notice(f"embedded S3 (moto) kept in {state / 's3'}: {s3.restored} object(s) restored")
    endpoint = Endpoint(keys, {}, s3, options.s3_endpoint_url, log)  # its handlers once the backend exists
    servers = [make_server(options.host, options.port, endpoint, threaded=True, request_handler=_QuietHandler)]
    port = servers[0].server_port
    url = f"http://{_url_host(options.host)}:{port}"
    resources = ExitStack()
    try:
        inside = None
        if options.s3_endpoint_url is None:  # only the embedded S3 must be reachable from containers
            inside = resources.enter_context(reach.container_address(DEFAULT_CREDENTIALS_IMAGE))
            if inside is not None:
                _no_proxy(inside)
        jobs_s3_url: str | None = options.s3_endpoint_url if options.s3_endpoint_url != "aws" else None
        if options.s3_endpoint_url is None:
            jobs_s3_url = url
            if inside is not None and inside != options.host:
                servers.append(make_server(inside, port, endpoint, threaded=True, request_handler=_QuietHandler))
                jobs_s3_url = f"http://{inside}:{port}"
            elif inside is None:
                notice(reach.UNREACHABLE)
        # Jobs are supervised by threads of this process: they belong to the server; if it dies, the next reader
        # reconciles them to Failed.
        local = LocalOptions(jobs_dir=options.jobs_dir or jobs_root(), region=options.region, endpoint_url=jobs_s3_url,
                             supervision=Supervision.THREAD, resource_limits=options.resource_limits,
                             gpu_fallback=options.gpu_fallback)
        backend = LocalBackend(local)
        images = ImageResolver.build(options.image_maps, options.images_file or state / "images.yaml",
                                     _is_local_image, notice)
        store = EndpointStore(state / "jobs")
        api = SageMakerApi(backend, store, images)
        endpoint.handlers = {"sagemaker": api.handlers(), "logs": LogsApi(backend).handlers()}
        ends = EndReporter(backend, lambda: api.submitted, notice)
        ends.start()
        if s3 is not None:
            _default_bucket(options, s3)
        sdk_config(options)
        threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                                    name=f"serve-{s.server_address[0]!s}") for s in servers]
        for thread in threads:
            thread.start()
        if not is_loopback(options.host):
            notice(f"listening on {options.host}, reachable from other machines: {REMOTE_DANGER}")
        _write_server_file(state, url, jobs_s3_url)
        notice(f"SageMaker Processing, CloudWatch Logs, STS and S3 at {url}; jobs in {local.jobs_dir}; "
               f"`eval \"$(byoc serve --print-env)\"` in a client shell")
        return Running(url, jobs_s3_url, servers, threads, api, local.stop_grace_seconds, ends, resources)
    except BaseException:
        resources.close()  # the gateway network goes with a server that did not start
        raise


def run(options: ServeOptions, log: TextIO = sys.stderr) -> int:
    """Serve in the foreground until SIGINT or SIGTERM; the exit code."""
    running = start(options, log)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        stopped.wait()
    finally:
        (options.state / SERVER_FILE).unlink(missing_ok=True)
        running.close(log)
        print("byoc serve: stopped", file=log, flush=True)
    return 0


def detach(options: ServeOptions, command: Sequence[str]) -> str:
    """Start `command` (the client's own way to serve in the foreground) with `options` in its own session,
    wait until it serves; what to tell the user. The child outlives this process and the terminal (its own
    session, no stdin, output to the log)."""
    options.check()
    state = private_folder(options.state)
    pid_file = state / PID_FILE
    if _alive(pid_file):
        raise UsageError(f"byoc serve already runs (pid {pid_file.read_text().strip()}, {pid_file}); "
                         "`byoc serve --stop` first")
    (state / SERVER_FILE).unlink(missing_ok=True)
    log = open(state / LOG_FILE, "ab")  # noqa: SIM115 (handed to the child)
    with log:
        child = subprocess.Popen([*command, *options.argv()], stdin=subprocess.DEVNULL,
                                 stdout=log, stderr=log, start_new_session=True)
    pid_file.write_text(f"{child.pid}\n")
    deadline = time.monotonic() + 60
    while not (state / SERVER_FILE).exists():
        if child.poll() is not None:
            pid_file.unlink(missing_ok=True)
            raise BackendError(f"byoc serve exited at start (code {child.returncode}); see {state / LOG_FILE}")
        if time.monotonic() > deadline:
            raise BackendError(f"byoc serve did not start within 60 s; see {state / LOG_FILE}")
        time.sleep(0.1)
    url = json.loads((state / SERVER_FILE).read_text())["url"]
    return f"byoc serve runs in the background at {url} (pid {child.pid}, log {state / LOG_FILE})"


def stop(options: ServeOptions, timeout: float = 300) -> str:
    pid_file = options.state / PID_FILE
    if not _alive(pid_file):
        pid_file.unlink(missing_ok=True)
        raise UsageError(f"no detached byoc serve runs (no live pid in {pid_file})")
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            raise BackendError(f"byoc serve (pid {pid}) did not stop within {timeout:.0f} s")
        time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    return f"byoc serve (pid {pid}) stopped"


def _alive(pid_file: Path) -> bool:
    try:
        return _pid_alive(int(pid_file.read_text()))
    except (OSError, ValueError):
        return False


def _pid_alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    return pid_alive(pid)


def _own_environment(options: ServeOptions, key: Any) -> None:
    """The server's own AWS calls (staging inputs, the credentials endpoint jobs use) must sign with a key this
    server accepts: with the embedded S3 and no credentials of the user's, that is the generated one."""
    if options.s3_endpoint_url is None and chain_key() is None:
        os.environ["AWS_ACCESS_KEY_ID"] = key.access_key_id
        os.environ["AWS_SECRET_ACCESS_KEY"] = key.secret_access_key
    _no_proxy("127.0.0.1,localhost")


def _no_proxy(addresses: str) -> None:
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), addresses]))


def _default_bucket(options: ServeOptions, s3: EmbeddedS3) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if options.default_bucket not in backend.buckets:
        backend.create_bucket(options.default_bucket, options.region)
        s3.store.sync({options.default_bucket}, None, all_keys=False)


def _write_server_file(state: Path, url: str, jobs_s3_url: str | None) -> None:
    data = {"pid": os.getpid(), "url": url, "jobs_s3_url": jobs_s3_url}
    tmp = state / f".{SERVER_FILE}.tmp"
    tmp.write_text(json.dumps(data))
    tmp.replace(state / SERVER_FILE)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host

