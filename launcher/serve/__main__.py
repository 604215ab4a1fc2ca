"""`python -m launcher.serve`: the `byoc serve` command line (also what `--detach` starts in the background)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from launcher.errors import LauncherError
from launcher.images import parse_mapping
from launcher.serve.environment import print_env
from launcher.serve.options import DEFAULT_PORT, DEFAULT_REGION, REMOTE_DANGER, ServeOptions
from launcher.serve.server import detach, run, stop


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="byoc serve", description="The SageMaker Processing API on localhost: jobs "
                                "created through it run on the local backend.")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0: any)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--allow-remote", action="store_true", help=f"allow a non-loopback --host: {REMOTE_DANGER}")
    p.add_argument("--state-dir", type=Path, help="keys, embedded S3, logs (default ~/.byoc/serve)")
    p.add_argument("--jobs-dir", type=Path, help="the local backend's jobs (default ~/.byoc/jobs)")
    p.add_argument("--region", default=DEFAULT_REGION)
    p.add_argument("--s3-endpoint-url", help="use this S3 (MinIO, ...; `aws` for AWS's own) instead of the "
                   "embedded one")
    p.add_argument("--image-map", action="append", default=[], metavar="URI_OR_REPOSITORY=LOCAL_IMAGE")
    p.add_argument("--images-file", type=Path, help="YAML `URI_OR_REPOSITORY: local-image` (default "
                   "<state>/images.yaml)")
    p.add_argument("--default-bucket", default="sagemaker-local", help="the SDK's default bucket")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--print-env", action="store_true", help="print the exports for a client shell")
    what.add_argument("--detach", action="store_true", help="run in the background (pid file in the state dir)")
    what.add_argument("--stop", action="store_true", help="stop the background server")
    return p


def options_from(args: argparse.Namespace) -> ServeOptions:
    return ServeOptions(host=args.host, port=args.port, allow_remote=args.allow_remote, state_dir=args.state_dir,
                        jobs_dir=args.jobs_dir, region=args.region, s3_endpoint_url=args.s3_endpoint_url,
                        image_maps=tuple(parse_mapping(m) for m in args.image_map), images_file=args.images_file,
                        default_bucket=args.default_bucket)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    try:
        options = options_from(args)
        if args.print_env:
            print(print_env(options))
            return 0
        if args.stop:
            print(stop(options))
            return 0
        if args.detach:
            print(detach(options))
            return 0
        return run(options)
    except LauncherError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
