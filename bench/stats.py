"""Latency samples and their summary: percentiles in milliseconds, throughput, and the
answers that were not successes, counted by status and error code."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TRANSPORT_ERROR = 0
"""The status recorded when no HTTP answer came back (connection error, timeout)."""
UNFINISHED = -1
"""The status recorded for a request abandoned unanswered when a scenario ended."""


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 2),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2) if ordered else 0.0,
    }


@dataclass
class Samples:
    """What one scenario saw: a latency and an outcome per request."""

    success_statuses: frozenset[int]
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, latency: float, status: int, code: str | None = None) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if status not in self.success_statuses:
            self.errors[f"{status} {code or ''}".strip()] += 1

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def successes(self) -> int:
        return sum(self.statuses[status] for status in self.success_statuses)

    def summary(self, elapsed: float) -> dict[str, Any]:
        return {
            "requests": self.count,
            "successes": self.successes,
            "elapsed_s": round(elapsed, 3),
            "requests_per_s": round(self.count / elapsed, 1) if elapsed else 0.0,
            "successes_per_s": round(self.successes / elapsed, 1) if elapsed else 0.0,
            **latency_summary(self.latencies),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "errors": dict(self.errors.most_common()),
        }
