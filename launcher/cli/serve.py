"""`byoc serve`: the SageMaker Processing API on localhost (launcher/serve), in the foreground or detached."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from launcher.cli.consoles import console
from launcher.cli.options import GpuFallbackOption, ResourceLimitsOption
from launcher.local.resources import GpuFallback

out = console(soft_wrap=True, highlight=False)

# What `--detach` runs in the background: this very command, in a new interpreter.
SELF = [sys.executable, "-m", "launcher.cli", "serve"]


def serve(
    port: Annotated[int, typer.Option(help="TCP port (default 8580; 0: any free port)")] = 8580,
    host: Annotated[str, typer.Option(help="Address to bind (default 127.0.0.1)")] = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback --host: whoever reaches it and signs a request can run "
                               "containers with this machine's folders mounted")] = False,
    state_dir: Annotated[Path | None, typer.Option(
        help="Keys, embedded S3, logs (env BYOC_SERVE_DIR; default ~/.byoc/serve)")] = None,
    jobs_dir: Annotated[Path | None, typer.Option(
        "--jobs-dir", help="The local backend's jobs (env BYOC_JOBS_DIR; default ~/.byoc/jobs)")] = None,
    region: Annotated[str, typer.Option(help="The region the endpoint answers for")] = "us-east-1",
    s3_endpoint_url: Annotated[str | None, typer.Option(
        help="Use this S3 (MinIO, ...; `aws` for AWS's own) instead of the embedded one")] = None,
    image_map: Annotated[list[str] | None, typer.Option(
        help="URI_OR_REPOSITORY=LOCAL_IMAGE, repeatable: which local image runs a job's ImageUri")] = None,
    images_file: Annotated[Path | None, typer.Option(
        help="YAML mapping URI_OR_REPOSITORY: LOCAL_IMAGE (default STATE_DIR/images.yaml)")] = None,
    default_bucket: Annotated[str, typer.Option(help="The SDK's default bucket")] = "sagemaker-local",
    resource_limits: ResourceLimitsOption = True,
    gpu_fallback: GpuFallbackOption = None,
    print_env: Annotated[bool, typer.Option("--print-env", help="Print the exports a client shell needs")] = False,
    detach: Annotated[bool, typer.Option("--detach", help="Run in the background (pid file in the state dir)")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the background server")] = False,
) -> None:
    """Serve the SageMaker Processing API on localhost: unchanged SDK, boto3 and AWS CLI code runs its jobs here.

    eval "$(byoc serve --print-env)" in a client shell points its AWS clients at the endpoint.
    """
    import launcher.serve as server
    from launcher.errors import UsageError
    from launcher.images import parse_mapping

    if sum((print_env, detach, stop)) > 1:
        raise UsageError("--print-env, --detach and --stop: give at most one")
    options = server.ServeOptions(host=host, port=port, allow_remote=allow_remote, state_dir=state_dir,
                                  jobs_dir=jobs_dir, region=region, s3_endpoint_url=s3_endpoint_url,
                                  image_maps=tuple(parse_mapping(m) for m in image_map or ()),
                                  images_file=images_file, default_bucket=default_bucket,
                                  resource_limits=resource_limits,
                                  gpu_fallback=gpu_fallback or GpuFallback.ERROR)
    if print_env:
        out.print(Text(server.print_env(options)))
    elif stop:
        out.print(Text(server.stop(options)))
    elif detach:
        out.print(Text(server.detach(options, command=SELF)))
    else:
        code = server.run(options)
        if code:
            raise typer.Exit(code)
