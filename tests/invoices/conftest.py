"""A studio's desk (as in the payments tests) with its legal details set, and helpers to
read invoices through the API. The clock is frozen on a Monday morning in Berlin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from fitflow.kit import time
from fitflow.kit.db import Database
from tests.factories import staffed_studio
from tests.payments.conftest import NOW, Desk

LEGAL = {
    "legal_name": "Studio Sonne GmbH",
    "address": "Kastanienallee 1\n10435 Berlin",
    "tax_id": "DE123456789",
    "tax_rate_bp": 1900,
    "invoice_footer": "Registered at Amtsgericht Charlottenburg, HRB 12345",
    "contact_email": "hello@sonne.example",
}


@pytest.fixture
def clock() -> Iterator[datetime]:
    with time.frozen(NOW):
        yield NOW


async def set_legal_details(desk: Desk, **fields: Any) -> dict[str, Any]:
    response = await desk.client.patch(
        f"/api/v1/orgs/{desk.slug}", headers=desk.headers("owner"), json=fields
    )
    assert response.status_code == 200, response.text
    studio: dict[str, Any] = response.json()
    return studio


@pytest.fixture
async def desk(clock: datetime, client: httpx.AsyncClient, database: Database) -> Desk:
    """A staffed studio whose prices include 19% tax, with its legal details."""
    found = Desk(client, database, await staffed_studio(client))
    await set_legal_details(found, **LEGAL)
    return found


async def invoices(desk: Desk, role: str = "receptionist", **params: Any) -> list[dict[str, Any]]:
    """The studio's invoices and credit notes as `role` sees them, newest first."""
    response = await desk.client.get(
        desk.url("/invoices"), headers=desk.headers(role), params={"limit": 200, **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def invoice_of(desk: Desk, order_id: str) -> dict[str, Any]:
    """The order's invoice (not its credit notes)."""
    [found] = [
        item for item in await invoices(desk, kind="invoice") if item["order_id"] == order_id
    ]
    return found


async def credit_notes_of(desk: Desk, order_id: str) -> list[dict[str, Any]]:
    """The order's credit notes, oldest first."""
    notes = [
        item for item in await invoices(desk, kind="credit_note") if item["order_id"] == order_id
    ]
    return sorted(notes, key=lambda item: item["number"])
