"""The booking engine's counters and latency histogram."""

from __future__ import annotations

from fitflow.kit.metrics import counter, histogram

HOLDS = counter("holds_total", "Holds by what happened to them.", ("event",))
"""event: created, confirmed, released, expired."""
BOOKINGS = counter("bookings_total", "Bookings confirmed, by how.", ("channel",))
"""channel: member (hold confirmed or one step), staff, waitlist."""
CANCELLATIONS = counter(
    "cancellations_total", "Booking cancellations by refund percent.", ("refund_percent",)
)
WAITLIST = counter("waitlist_total", "Waitlist events.", ("event",))
"""event: joined, left, offered, promoted, skipped."""
CAPACITY_REFUSALS = counter("capacity_refusals_total", "Holds and bookings refused as full.")
LATENCY = histogram(
    "booking_step_seconds",
    "Time to take a hold or confirm one, inside the service.",
    ("step",),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
