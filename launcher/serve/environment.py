"""What a client's shell needs to use the endpoint: `eval "$(byoc serve --print-env)"`.

Endpoint, region and keys are plain botocore settings. The one SDK setting: SDK v2's `Session.default_bucket()`
asks STS for the account on a hard-coded regional address (it passes `endpoint_url` itself, so no endpoint
variable reaches it) unless the SDK's own configuration file names a default bucket; the file generated here
does, and `SAGEMAKER_USER_CONFIG_OVERRIDE` points the SDK at it. It also opts out of the SDK's telemetry,
which otherwise sends a request to an AWS address of its own after each job: nothing may leave the machine.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from launcher.serve.keys import generated_key, private_folder
from launcher.serve.options import ServeOptions

SDK_CONFIG_FILE = "sdk-config.yaml"
SERVER_FILE = "server.json"


def sdk_config(options: ServeOptions) -> Path:
    """The SDK configuration file (the SDK's schema: SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket,
    SageMaker.PythonSDK.Modules.TelemetryOptOut)."""
    file = private_folder(options.state) / SDK_CONFIG_FILE
    file.write_text(
        "SchemaVersion: '1.0'\n"
        "SageMaker:\n"
        "  PythonSDK:\n"
        "    Modules:\n"
        "      TelemetryOptOut: true\n"
        "      Session:\n"
        f"        DefaultS3Bucket: {options.default_bucket}\n",
        encoding="utf-8")
    return file


def endpoint_url(options: ServeOptions) -> str:
    """The running server's URL (from its server.json), else the one `options` would bind."""
    running = options.state / SERVER_FILE
    if running.exists():
        return str(json.loads(running.read_text(encoding="utf-8"))["url"])
    host = options.host if options.host not in ("0.0.0.0", "::") else "127.0.0.1"
    return f"http://{host}:{options.port}"


def exports(options: ServeOptions) -> dict[str, str]:
    url = endpoint_url(options)
    found = {"AWS_REGION": options.region, "AWS_DEFAULT_REGION": options.region,
             "SAGEMAKER_USER_CONFIG_OVERRIDE": str(sdk_config(options))}
    if options.s3_endpoint_url is None:
        key = generated_key(options.state)
        found.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=key.access_key_id,
                     AWS_SECRET_ACCESS_KEY=key.secret_access_key)
    else:  # S3 is the user's: their own keys sign everything, and this server accepts them
        found.update(AWS_ENDPOINT_URL_SAGEMAKER=url, AWS_ENDPOINT_URL_LOGS=url, AWS_ENDPOINT_URL_STS=url)
        if options.s3_endpoint_url != "aws":
            found["AWS_ENDPOINT_URL_S3"] = options.s3_endpoint_url
    return found


def print_env(options: ServeOptions) -> str:
    lines = [f"export {name}={shlex.quote(value)}" for name, value in exports(options).items()]
    if options.s3_endpoint_url is None:
        lines.append("unset AWS_SESSION_TOKEN AWS_PROFILE")
    else:
        lines.append("# credentials: your own (the server accepts what your AWS credential chain resolves to)")
    return "\n".join(lines)
