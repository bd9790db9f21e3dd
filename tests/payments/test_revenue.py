"""Revenue comes from the money: what orders took, by the studio's local day they were
paid, less what refunds and voids gave back, by the day they gave it back; per currency,
and never from what the plans cost now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from fitflow.kit import time
from tests.factories import staffed_studio
from tests.payments.conftest import MONTHLY, Desk, berlin


async def try_report(desk: Desk, starts: str, ends: str, role: str = "admin") -> httpx.Response:
    return await desk.client.get(
        desk.url("/reports/revenue"),
        headers=desk.headers(role),
        params={"from": starts, "to": ends},
    )


async def report(desk: Desk, starts: str, ends: str) -> dict[str, Any]:
    response = await try_report(desk, starts, ends)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def day(on: str, gross: int, refunded: int) -> dict[str, Any]:
    return {
        "on": on,
        "gross_minor": gross,
        "refunded_minor": refunded,
        "net_minor": gross - refunded,
    }


async def at(desk: Desk, instant: datetime) -> None:
    """Move the clock (inside a `time.frozen` block) and log the staff in again."""
    assert time.now() == instant
    await desk.relogin("receptionist", "admin", "owner")


class TestRevenue:
    async def test_gross_refunds_and_voids_and_net_per_local_day(self, desk: Desk) -> None:
        monthly = await desk.plan(**MONTHLY)
        pack = await desk.sell(desk.pack_id)  # Monday 08:00, 120.00
        membership = await desk.sell(monthly)  # 90.00
        with time.frozen(berlin(11, 17, 9)):
            await at(desk, berlin(11, 17, 9))
            await desk.refund(pack["id"], 2000)
        with time.frozen(berlin(11, 18, 10)):
            await at(desk, berlin(11, 18, 10))
            await desk.void(membership["id"])
            found = await report(desk, "2026-11-16", "2026-11-19")
        assert found["starts_on"] == "2026-11-16"
        assert found["ends_on"] == "2026-11-19"
        assert found["timezone"] == "Europe/Berlin"
        assert found["currencies"] == [
            {
                "currency": "EUR",
                "gross_minor": 21000,
                "refunded_minor": 11000,  # the refund and the voided sale in full
                "net_minor": 10000,
                "days": [
                    day("2026-11-16", 21000, 0),
                    day("2026-11-17", 0, 2000),
                    day("2026-11-18", 0, 9000),
                    day("2026-11-19", 0, 0),
                ],
            }
        ]

    async def test_a_period_counts_only_its_own_days(self, desk: Desk) -> None:
        pack = await desk.sell(desk.pack_id)
        with time.frozen(berlin(11, 17, 9)):
            await at(desk, berlin(11, 17, 9))
            await desk.refund(pack["id"], 2000)
            tuesday = await report(desk, "2026-11-17", "2026-11-17")
            later = await report(desk, "2026-11-18", "2026-11-30")
        [eur] = tuesday["currencies"]
        assert (eur["gross_minor"], eur["refunded_minor"], eur["net_minor"]) == (0, 2000, -2000)
        assert later["currencies"] == []

    async def test_days_are_the_studio_local_days(self, desk: Desk) -> None:
        late_monday = datetime(2026, 11, 16, 22, 59, tzinfo=UTC)  # 23:59 in Berlin
        early_tuesday = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)  # 00:00 in Berlin
        for instant in (late_monday, early_tuesday):
            with time.frozen(instant):
                await at(desk, instant)
                await desk.sell(desk.pack_id)
        with time.frozen(early_tuesday):
            found = await report(desk, "2026-11-16", "2026-11-17")
        [eur] = found["currencies"]
        assert eur["days"] == [day("2026-11-16", 12000, 0), day("2026-11-17", 12000, 0)]

    async def test_a_later_price_change_changes_no_figure(self, desk: Desk) -> None:
        await desk.sell(desk.pack_id)
        before = await report(desk, "2026-11-16", "2026-11-16")
        async with desk.database.sessions() as session:
            await session.execute(
                text("UPDATE plans SET price_minor = 1 WHERE id = :plan"), {"plan": desk.pack_id}
            )
            await session.commit()
        await desk.sell(desk.pack_id)
        after = await report(desk, "2026-11-16", "2026-11-16")
        assert before["currencies"][0]["gross_minor"] == 12000
        assert after["currencies"][0]["gross_minor"] == 12001

    async def test_each_currency_is_reported_apart(self, desk: Desk) -> None:
        await desk.sell(desk.pack_id)
        changed = await desk.client.patch(
            desk.url(""), headers=desk.headers("owner"), json={"currency": "CHF"}
        )
        assert changed.status_code == 200, changed.text
        swiss = await desk.plan(kind="drop_in", name="Drop-in", price_minor=2500)
        await desk.sell(swiss)
        found = await report(desk, "2026-11-16", "2026-11-16")
        assert [(c["currency"], c["gross_minor"]) for c in found["currencies"]] == [
            ("CHF", 2500),
            ("EUR", 12000),
        ]

    async def test_another_studios_money_is_not_counted(self, desk: Desk) -> None:
        other = Desk(desk.client, desk.database, await staffed_studio(desk.client))
        await other.sell(other.pack_id)
        assert (await report(desk, "2026-11-16", "2026-11-16"))["currencies"] == []
        assert (await report(other, "2026-11-16", "2026-11-16"))["currencies"][0][
            "gross_minor"
        ] == 12000


class TestReportRequest:
    async def test_a_period_ending_before_it_starts_is_refused(self, desk: Desk) -> None:
        response = await try_report(desk, "2026-11-16", "2026-11-15")
        assert response.status_code == 422

    async def test_a_period_is_at_most_366_days(self, desk: Desk) -> None:
        assert (await try_report(desk, "2026-01-01", "2027-01-01")).status_code == 200
        assert (await try_report(desk, "2026-01-01", "2027-01-02")).status_code == 422

    async def test_both_days_are_needed(self, desk: Desk) -> None:
        response = await desk.client.get(
            desk.url("/reports/revenue"),
            headers=desk.headers("admin"),
            params={"from": "2026-11-16"},
        )
        assert response.status_code == 422

    async def test_only_admins_see_revenue(self, desk: Desk) -> None:
        response = await try_report(desk, "2026-11-16", "2026-11-16", role="receptionist")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
