"""The CA bundle given to `make build` as a BuildKit secret must not land in any image layer."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import docker
import pytest

from tests.containers.conftest import image_tag

HOST_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", re.S)


def image_files(tag: str):
    """(layer path, file bytes) for every regular file in every layer of the image."""
    saved = io.BytesIO(b"".join(docker.from_env().images.get(tag).save()))
    with tarfile.open(fileobj=saved) as outer:
        for member in outer.getmembers():
            if not member.name.endswith("layer.tar"):
                continue
            layer = outer.extractfile(member)
            assert layer is not None
            with tarfile.open(fileobj=layer) as inner:
                for entry in inner.getmembers():
                    if entry.isfile():
                        data = inner.extractfile(entry)
                        assert data is not None
                        yield entry.name.removeprefix("./"), data.read()


def certificates(bundle: bytes) -> set[bytes]:
    return {m.group(1) for m in PEM.finditer(bundle)}


@pytest.mark.parametrize("name", ["sklearn"])
def test_ca_bundle_secret_is_in_no_layer(name: str) -> None:
    if not HOST_BUNDLE.exists():
        pytest.fail(f"{HOST_BUNDLE} is missing: make build passes it as the ca_bundle secret when present")
    files = dict(image_files(image_tag(name)))
    base_bundle = files.get("etc/ssl/certs/ca-certificates.crt", b"")
    host_bundle = HOST_BUNDLE.read_bytes()
    # The certificates only the host trusts (a proxy's CA, say) are what the secret adds over the image's own.
    host_only = certificates(host_bundle) - certificates(base_bundle)
    for path, data in files.items():
        assert data != host_bundle, f"the host CA bundle was copied into the image at /{path}"
        for cert in host_only:
            assert cert not in data, f"a certificate from the build secret is in the image at /{path}"
    assert not any(path.startswith("run/secrets") for path in files)
