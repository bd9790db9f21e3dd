"""Server-rendered pages and the operational endpoints (health, readiness, metrics)."""
