"""One percentile for the dashboard's "90% binnen" and the benchmark's p50/p95/p99."""

from __future__ import annotations

import math
import random

import pytest

from bot.percentiles import nearest_rank
from scripts.bench import percentile


def test_the_nearest_rank_is_a_value_that_the_share_does_not_exceed():
    rng = random.Random(5)
    for _ in range(200):
        values = [rng.uniform(0, 100) for _ in range(rng.randint(1, 40))]
        share = rng.choice([0.5, 0.9, 0.95, 0.99, 1.0])
        found = nearest_rank(values, share)
        assert found in values
        assert sum(value <= found for value in values) >= share * len(values)
        assert sum(value < found for value in values) < share * len(values)  # the smallest such value


@pytest.mark.parametrize(
    ("values", "share", "expected"), [([1, 2, 3, 4], 0.5, 2), ([7], 0.99, 7), ([3, 1], 1.0, 3)]
)
def test_examples(values, share, expected):
    assert nearest_rank(values, share) == expected


def test_the_benchmark_uses_the_same_definition():
    values = [float(n) for n in range(1, 12)]
    assert percentile(values, 0.9) == nearest_rank(values, 0.9) == 10.0
    assert nearest_rank([], 0.9) is None and math.isnan(percentile([], 0.9))
