"""Shapes of order and tracking numbers, shared by the spaCy entity ruler and the form validators.

Each pattern matches one whole token as spaCy's Dutch tokenizer splits it (a leading "#" is a
token of its own). A bare ten-digit number can be a DHL tracking number or an order number; the
entity ruler calls it an order number and the return form accepts it as a tracking number when
it asks for one.
"""

from __future__ import annotations

import re

# An order number is a shop's prefix with digits, or six to twelve digits alone; a Dutch phone number
# written without spaces (ten digits, leading 0) is never one. bot/masking.py masks both shapes.
PREFIXED_ORDER_NUMBER = r"(?:NL|ORD|BE|BOL|WK)-(?:\d{4}-)?\d{5,12}"
BARE_ORDER_NUMBER = r"\d{6,12}"
ORDER_NUMBER = rf"{PREFIXED_ORDER_NUMBER}|(?!0\d{{9}}$){BARE_ORDER_NUMBER}"

TRACKING_NUMBERS: dict[str, str] = {
    "PostNL": r"3S[A-Z]{4}\d{7,9}",
    "UPS": r"1Z[0-9A-Z]{16}",
    "DPD": r"\d{14}",
    # Ten digits with a leading 0 is a Dutch phone number (0612345678), never a tracking number.
    "DHL": r"JVGL\d{16}|JJD\d{18}|(?!0)\d{10}",
}

# Shapes no order number has: the entity ruler labels these as tracking numbers on sight.
DISTINCTIVE_TRACKING_NUMBER = r"3S[A-Z]{4}\d{7,9}|1Z[0-9A-Z]{16}|\d{14}|JVGL\d{16}|JJD\d{18}"


def _normalise(text: str) -> str:
    return re.sub(r"[\s.]", "", text.strip().lstrip("#")).upper()


def carrier_of(tracking_number: str) -> str | None:
    """The carrier whose shape the tracking number has, or None."""
    candidate = _normalise(tracking_number)
    for carrier, pattern in TRACKING_NUMBERS.items():
        if re.fullmatch(pattern, candidate):
            return carrier
    return None


def is_order_number(text: str) -> bool:
    return re.fullmatch(ORDER_NUMBER, _normalise(text), re.IGNORECASE) is not None
