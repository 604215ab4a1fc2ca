"""Image references and the kit's stand-ins for AWS's own processing images (launcher/images.py)."""

from __future__ import annotations

import pytest

from launcher.images import Reference, default_mapping, ecr_registry, parse_reference, repository_of

SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(("uri", "expected"), [
    (SKLEARN, Reference("683313688378.dkr.ecr.us-east-1.amazonaws.com", "sagemaker-scikit-learn", "1.2-1-cpu-py3")),
    (f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/job@{DIGEST}",
     Reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "team/job", None, DIGEST)),
    ("127.0.0.1:5000/byoc/base:t", Reference("127.0.0.1:5000", "byoc/base", "t")),
    ("localhost/x", Reference("localhost", "x")),
    ("byoc/sklearn:latest", Reference(None, "byoc/sklearn", "latest")),
    ("python", Reference(None, "python")),
])
def test_references_split_as_a_registry_sees_them(uri: str, expected: Reference) -> None:
    assert parse_reference(uri) == expected
    assert repository_of(uri) == expected.repository


def test_a_reference_moves_to_another_registry_keeping_its_tag_or_digest() -> None:
    moved = parse_reference(SKLEARN).with_registry("127.0.0.1:5000")
    assert moved == "127.0.0.1:5000/sagemaker-scikit-learn:1.2-1-cpu-py3"
    pinned = parse_reference(f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/job@{DIGEST}")
    assert pinned.with_registry("mirror.example:443") == f"mirror.example:443/team/job@{DIGEST}"
    assert parse_reference("a.b/c").with_registry(None) == "c:latest"


def test_ecr_registries_give_their_account_and_region() -> None:
    assert ecr_registry(SKLEARN) == ("683313688378", "us-east-1")
    fips = "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/x:1"
    assert ecr_registry(fips) == ("123456789012", "us-gov-west-1")
    assert ecr_registry("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x:1") == ("123456789012", "cn-north-1")
    assert ecr_registry("127.0.0.1:5000/x:1") is None
    assert ecr_registry("byoc/sklearn") is None


def test_awss_processing_images_have_the_kits_stand_ins_in_any_account_region_and_version() -> None:
    assert default_mapping(SKLEARN) == "byoc/sklearn:latest"
    assert default_mapping("746614075791.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3"
                           ) == "byoc/sklearn:latest"
    assert default_mapping("173754725891.dkr.ecr.us-east-1.amazonaws.com/sagemaker-spark-processing:3.5-cpu-py39-v1.0"
                           ) == "byoc/spark:latest"
    assert default_mapping("sagemaker-scikit-learn:1") is None  # a local name is no AWS image
    assert default_mapping(f"{SKLEARN.split('/')[0]}/my-team/job:1") is None
