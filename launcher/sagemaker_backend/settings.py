"""What the SageMaker backend needs beyond the job definition, and where each setting comes from.

    role    --role, else `role:` in the job file, else $BYOC_ROLE_ARN
    bucket  --bucket, else $BYOC_BUCKET          (where local inputs and code are uploaded)
    prefix  --prefix, else $BYOC_PREFIX, else "byoc"
    region  --region, else $AWS_REGION, else boto3's own lookup ($AWS_DEFAULT_REGION, the profile)

Endpoints are boto3's business: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured by
boto3 itself, so a moto server or a VPC endpoint needs no option here. The variables are read when
the CLI calls these functions, never at import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from launcher.definition import JobDefinition
from launcher.errors import MissingSettingError

ROLE_ENV = "BYOC_ROLE_ARN"
BUCKET_ENV = "BYOC_BUCKET"
PREFIX_ENV = "BYOC_PREFIX"
DEFAULT_PREFIX = "byoc"
DEFAULT_POLL_SECONDS = 5.0

MISSING_ROLE = (f"no IAM role for the SageMaker job: pass --role, add `role:` to the job file, or set {ROLE_ENV} "
                "(arn:aws:iam::<account>:role/<name>)")
MISSING_BUCKET = (f"no S3 bucket for the SageMaker backend: pass --bucket or set {BUCKET_ENV} "
                  "(local inputs, code and local outputs are staged there)")


@dataclass(frozen=True, slots=True)
class SageMakerOptions:
    """How to submit and follow a job. `bucket` is required: the SDK would otherwise name one itself,
    calling STS on a hard-coded AWS address. `s3_endpoint_url` only overrides the uploads' endpoint.
    `default_role` is the role of a job that names none ($BYOC_ROLE_ARN)."""

    bucket: str | None
    region: str | None = None
    default_role: str | None = None
    prefix: str = DEFAULT_PREFIX
    s3_endpoint_url: str | None = None
    poll_seconds: float = DEFAULT_POLL_SECONDS

    def require_bucket(self) -> str:
        if not self.bucket:
            raise MissingSettingError(MISSING_BUCKET)
        return self.bucket


def with_role(definition: JobDefinition, default_role: str | None) -> JobDefinition:
    """The definition with `default_role` if neither --role nor the job file set one; MissingSettingError
    if there is none at all."""
    if definition.role is None and default_role:
        definition = dataclasses.replace(definition, role=default_role)
    if not definition.role:
        raise MissingSettingError(MISSING_ROLE)
    return definition


def role_from(environ: Mapping[str, str]) -> str | None:
    """$BYOC_ROLE_ARN, the role of jobs that name none."""
    return environ.get(ROLE_ENV) or None


def bucket_from(flag: str | None, environ: Mapping[str, str]) -> str | None:
    """`--bucket`, else $BYOC_BUCKET; a `s3://` scheme or trailing slash typed by habit is dropped."""
    value = flag or environ.get(BUCKET_ENV) or None
    return value.removeprefix("s3://").strip("/") if value else None


def prefix_from(flag: str | None, environ: Mapping[str, str]) -> str:
    """`--prefix`, else $BYOC_PREFIX, else "byoc"; an empty prefix puts uploads at the bucket's root."""
    value = flag if flag is not None else environ.get(PREFIX_ENV, DEFAULT_PREFIX)
    return value.strip("/")
