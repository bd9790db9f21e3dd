"""Prometheus metrics. Domains declare their counters with `counter()`; with several
server processes the values are aggregated through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_LATENCY = Histogram(
    "fitflow_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
    return Counter(f"fitflow_{name}", documentation, list(labels))


def histogram(
    name: str,
    documentation: str,
    labels: tuple[str, ...] = (),
    buckets: tuple[float, ...] = Histogram.DEFAULT_BUCKETS,
) -> Histogram:
    return Histogram(f"fitflow_{name}", documentation, list(labels), buckets=buckets)


def render() -> tuple[bytes, str]:
    """The exposition text for /metrics and its content type."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
