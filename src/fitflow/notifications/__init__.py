"""Outgoing messages: queued in the transaction that causes them, delivered by a job."""
