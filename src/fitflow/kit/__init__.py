"""Domain-free toolkit: database, errors, jobs, idempotency, time, logging, metrics, limits.

Nothing in `kit` imports a domain package; domains build on it.
"""
