"""The checks in order, each yielded as soon as it is known, so a slow one shows what came before it.

A check that needs what an earlier one failed to find (an engine, credentials, the image's URI) fails
saying so instead of failing again for the same cause.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from launcher.doctor.aws import AwsSettings
from launcher.doctor.checks import Check, failed


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    jobs_dir: Path
    machine: bool = True
    aws: bool = False
    smoke: bool = False
    settings: AwsSettings = field(default_factory=AwsSettings)
    smoke_poll_seconds: float = 10.0


def run_checks(options: DoctorOptions) -> Iterator[Check]:
    import docker

    from launcher.doctor import machine
    from launcher.doctor.endpoint import credentials_endpoint_check

    client, engine = machine.engine_check(docker.from_env)
    if options.machine:
        yield engine
        if client is not None:
            yield machine.storage_driver_check(client)
            yield from _image_checks(client)
        yield machine.disk_check(options.jobs_dir)
        if client is not None:
            yield credentials_endpoint_check(client)
    if options.aws or options.smoke:
        yield from _aws_checks(options, client)


def _image_checks(client: object) -> Iterator[Check]:
    from launcher.doctor.machine import image_check
    from launcher.kit import KitFilesError, locate

    try:
        kit = locate()
    except KitFilesError as error:
        yield failed("kit images", str(error))
        return
    for image in kit.images():
        yield image_check(client, kit, image)


def _aws_checks(options: DoctorOptions, client: object | None) -> Iterator[Check]:
    from launcher.doctor import aws as checks

    settings = options.settings
    session = checks.session(settings)
    credentials, account = checks.credentials_check(session)
    yield credentials
    region = checks.region_check(session)
    yield region
    if account is None or not region.ok:
        needs = "working AWS credentials" if account is None else "a region"
        for name in ("iam role", "s3 bucket", "ecr repository", "registry login"):
            yield failed(name, f"not checked: needs {needs} (see above)")
        if options.smoke:
            yield failed("smoke job", "not run: needs the checks above to pass")
        return
    results = [checks.role_check(session, settings.role, account),
               checks.bucket_check(session, settings.bucket, session.region_name)]
    yield from results
    repository, image_uri = checks.repository_check(session, settings, account)
    results.append(repository)
    yield repository
    if client is None:
        yield failed("registry login", "not checked: needs a Docker engine (see above)")
    else:
        yield checks.login_check(session, client, account, settings.registry)
    if options.smoke:
        if image_uri is None or not all(check.ok for check in results):
            yield failed("smoke job", "not run: the role, the bucket and the image must pass first (see above)")
            return
        from launcher.doctor.smoke import smoke_check

        yield smoke_check(settings, image_uri, session.region_name, options.smoke_poll_seconds)
