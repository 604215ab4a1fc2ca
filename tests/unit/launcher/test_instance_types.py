"""The instance-type table against botocore's list of processing instance types and EC2's naming."""

from __future__ import annotations

import re

import pytest

from launcher.instance_types import INSTANCE_TYPES, instance_type
from launcher.service_model import processing_instance_types


def test_every_processing_instance_type_of_the_model_has_a_row() -> None:
    """A boto3 upgrade that adds processing instance types fails here until they are in the table."""
    missing = [name for name in processing_instance_types() if name not in INSTANCE_TYPES]
    assert missing == []


def test_the_table_holds_only_processing_instance_types() -> None:
    assert sorted(set(INSTANCE_TYPES) - set(processing_instance_types())) == []


@pytest.mark.parametrize(
    ("name", "vcpus", "memory_gib", "gpus"),
    [
        ("ml.t3.medium", 2, 4, 0),
        ("ml.m5.xlarge", 4, 16, 0),
        ("ml.c4.8xlarge", 36, 60, 0),
        ("ml.c5.9xlarge", 36, 72, 0),
        ("ml.r5d.24xlarge", 96, 768, 0),
        ("ml.p2.16xlarge", 64, 732, 16),
        ("ml.g4dn.12xlarge", 48, 192, 4),
        ("ml.g6e.48xlarge", 192, 1536, 8),
        ("ml.g7e.12xlarge", 48, 512, 2),
        ("ml.p5.4xlarge", 16, 256, 1),
        ("ml.r8i.96xlarge", 384, 3072, 0),
    ],
)
def test_published_sizes(name: str, vcpus: int, memory_gib: float, gpus: int) -> None:
    row = instance_type(name)
    assert (row.vcpus, row.memory_gib, row.gpus) == (vcpus, memory_gib, gpus)


def test_rows_follow_ec2_sizing() -> None:
    """A typo in a row shows as a break of EC2's rules: `Nxlarge` has 4N vCPUs (the few exceptions
    are listed), only g and p families have GPUs, every one of them has at least one."""
    exceptions = {"ml.t3.medium", "ml.m4.10xlarge", "ml.c4.8xlarge", "ml.c5.9xlarge", "ml.c5.18xlarge"}
    for name, row in INSTANCE_TYPES.items():
        family, size = name.split(".")[1:]
        if name not in exceptions:
            expected = {"large": 2, "xlarge": 4}.get(size) or 4 * int(size.removesuffix("xlarge"))
            assert row.vcpus == expected, name
        assert (row.gpus > 0) == bool(re.match(r"[gp]\d", family)), name
        assert row.memory_gib >= row.vcpus, name


def test_an_unknown_type_is_named() -> None:
    with pytest.raises(LookupError, match=r"'ml\.m5\.huge' is not in the table"):
        instance_type("ml.m5.huge")
