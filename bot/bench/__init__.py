"""Benchmarks that print figures (`make bench`); never run as unit tests."""

import math
from typing import Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0.95 for p95) by the nearest-rank method; NaN when nothing was measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
