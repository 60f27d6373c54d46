"""Benchmarks that print figures (`make bench`); never run as unit tests."""

import math
import socket
from pathlib import Path
from typing import Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0.95 for p95) by the nearest-rank method; NaN when nothing was measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def free_port() -> int:
    """A loopback port nothing is listening on, for a server a benchmark or a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
