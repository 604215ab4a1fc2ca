"""`byoc serve`'s settings, in one frozen value the CLI builds and `launcher.serve.run` takes."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from launcher.errors import UsageError
from launcher.local.resources import GpuFallback

DEFAULT_PORT = 8580
DEFAULT_REGION = "us-east-1"
DEFAULT_BUCKET = "sagemaker-local"  # named in the generated SDK configuration: SDK v2 then never asks STS
STATE_DIR_ENV = "BYOC_SERVE_DIR"
REMOTE_DANGER = ("whoever can reach this endpoint and sign a request can run containers with host folders "
                 "mounted, that is, can run code as the engine's user (often root) on this machine")


def default_state_dir() -> Path:
    configured = os.environ.get(STATE_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".byoc" / "serve"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0: any free port (tests); the one chosen is in <state>/server.json
    allow_remote: bool = False
    state_dir: Path | None = None  # default ~/.byoc/serve (BYOC_SERVE_DIR)
    jobs_dir: Path | None = None  # default the local backend's (~/.byoc/jobs, BYOC_JOBS_DIR)
    region: str = DEFAULT_REGION
    s3_endpoint_url: str | None = None  # None: the embedded S3; else S3 is that endpoint (AWS, MinIO)
    image_maps: tuple[tuple[str, str], ...] = ()
    images_file: Path | None = None  # default <state>/images.yaml when it exists
    default_bucket: str = DEFAULT_BUCKET
    resource_limits: bool = True  # False: jobs' hosts get no CPU and memory limits (LocalOptions.resource_limits)
    gpu_fallback: GpuFallback = GpuFallback.ERROR

    @property
    def state(self) -> Path:
        return self.state_dir if self.state_dir is not None else default_state_dir()

    def argv(self) -> list[str]:
        """The `byoc serve` arguments that rebuild these options (what --detach starts)."""
        args = ["--host", self.host, "--port", str(self.port), "--region", self.region,
                "--default-bucket", self.default_bucket, "--state-dir", str(self.state)]
        if self.allow_remote:
            args.append("--allow-remote")
        if self.jobs_dir is not None:
            args += ["--jobs-dir", str(self.jobs_dir)]
        if self.s3_endpoint_url is not None:
            args += ["--s3-endpoint-url", self.s3_endpoint_url]
        if self.images_file is not None:
            args += ["--images-file", str(self.images_file)]
        for source, target in self.image_maps:
            args += ["--image-map", f"{source}={target}"]
        if not self.resource_limits:
            args.append("--no-resource-limits")
        if self.gpu_fallback is not GpuFallback.ERROR:
            args += ["--gpu-fallback", self.gpu_fallback.value]
        return args

    def check(self) -> None:
        """Refuse a non-loopback address unless `allow_remote` says the user knows why that is dangerous."""
        if not is_loopback(self.host) and not self.allow_remote:
            raise UsageError(f"--host {self.host} is not a loopback address: {REMOTE_DANGER}. Every request must be "
                             "signed with this server's keys, but if you still want it reachable from other "
                             "machines, add --allow-remote")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"--port {self.port}: not a TCP port (0-65535)")
