"""The one definition of a percentile used in the project's figures (dashboard, benchmarks)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nearest_rank(values: Sequence[float], share: float) -> float | None:
    """The smallest value that at least `share` (0 < share <= 1) of the values do not exceed.

    "90% within 40 seconds" then holds for the values themselves, with no value that none of them has;
    None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]
