"""The statements one booking sends to PostgreSQL, captured from the real app (in this
process, through ASGI, on the bench database) and compared with `bench/booking.sql`, so a
change to the booking path that the pgbench script does not follow shows in the JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench.seed import Floor
from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", re.IGNORECASE)
_FUNCTION = re.compile(r"^SELECT\s+([a-z_]+)\(", re.IGNORECASE)


def shape(statement: str) -> str:
    """A statement reduced to its verb and first table (`SELECT members`, `INSERT
    bookings`), or its function for a bare call (`SELECT pg_advisory_xact_lock`)."""
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return verb
    function = _FUNCTION.match(text)
    if verb == "SELECT" and function and " FROM " not in text.upper():
        return f"SELECT {function.group(1)}"
    table = _TABLE.search(text)
    return f"{verb} {table.group(1) if table else '?'}"


def script_shapes(script: Path) -> list[str]:
    """The shapes of the pgbench script's transaction, from its BEGIN to its COMMIT (the
    harness lookup before BEGIN is not the API's)."""
    statements: list[str] = []
    current: list[str] = []
    for raw in script.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("--") or line.startswith("\\"):
            continue
        gset = line.find("\\gset")
        if gset >= 0:
            current.append(line[:gset])
            statements.append(" ".join(current))
            current = []
        elif line.endswith(";"):
            current.append(line[:-1])
            statements.append(" ".join(current))
            current = []
        else:
            current.append(line)
    shapes = [shape(s) for s in statements]
    return shapes[shapes.index("BEGIN") :] if "BEGIN" in shapes else shapes


async def capture_booking(
    url: str, settings: Settings, floor: Floor, pair: int, script: Path
) -> dict[str, Any]:
    """Book pair `pair` through the app in this process and record every statement its
    engine sends, with BEGIN and COMMIT."""
    database = Database.connect(url, settings.database)
    statements: list[str] = []

    def on_execute(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", on_execute)
    event.listen(database.engine.sync_engine, "begin", lambda _: statements.append("BEGIN"))
    event.listen(database.engine.sync_engine, "commit", lambda _: statements.append("COMMIT"))
    event.listen(database.engine.sync_engine, "rollback", lambda _: statements.append("ROLLBACK"))
    app = create_app(settings, database)
    member, session_id = floor.pair(pair)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            warm = await client.get(f"{floor.base}/sessions/{session_id}")
            warm.raise_for_status()
            statements.clear()
            booked = await client.post(
                f"{floor.base}/sessions/{session_id}/bookings", headers=member.headers
            )
    finally:
        await database.dispose()
    api = [shape(s) for s in statements]
    replayed = script_shapes(script)
    return {
        "status": booked.status_code,
        "round_trips_in_transaction": len(api),
        "pool_pre_ping": bool(getattr(database.engine.pool, "_pre_ping", False)),
        "api_statements": api,
        "script_statements": replayed,
        "script_matches_api": api == replayed,
    }
