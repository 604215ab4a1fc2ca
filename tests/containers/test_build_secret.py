"""The CA bundle given to `make build` as a BuildKit secret must not land in any image layer.

The scan is `byoc check`'s own (launcher/check/layers.py): the host's bundle byte for byte, a certificate
only the host trusts (a proxy's CA), or any file under /run/secrets, in any layer.
"""

from __future__ import annotations

import docker
import pytest

from launcher.check.layers import HOST_CA_BUNDLE, scan_image
from tests.containers.conftest import image_tag


@pytest.mark.parametrize("name", ["sklearn"])
def test_ca_bundle_secret_is_in_no_layer(name: str) -> None:
    if not HOST_CA_BUNDLE.exists():
        pytest.fail(f"{HOST_CA_BUNDLE} is missing: make build passes it as the ca_bundle secret when present")
    assert scan_image(docker.from_env(), image_tag(name), HOST_CA_BUNDLE) == []
