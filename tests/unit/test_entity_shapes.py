"""Order and tracking number shapes."""

from __future__ import annotations

import pytest

from bot.entity_shapes import carrier_of, is_order_number


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("3SABCD1234567", "PostNL"),
        ("3s abcd 1234567", "PostNL"),
        ("1Z999AA10123456784", "UPS"),
        ("01234567890123", "DPD"),
        ("JVGL0612345678901234", "DHL"),
        ("JJD000390007871234567", "DHL"),
        ("1234567890", "DHL"),
        ("0612345678", None),
        ("0201234567", None),
        ("12345678901", None),
        ("ABC", None),
        ("3SAB123", None),
        ("", None),
    ],
)
def test_carrier_of(number, carrier):
    assert carrier_of(number) == carrier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#4839201", True),
        ("NL-123456789", True),
        ("ORD-2024-55812", True),
        ("12345678", True),
        ("0208082852", False),
        ("12345", False),
        ("hallo", False),
        ("3SABCD1234567", False),
    ],
)
def test_is_order_number(text, expected):
    assert is_order_number(text) is expected
