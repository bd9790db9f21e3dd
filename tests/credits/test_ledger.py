"""The ledger on PostgreSQL: grants, charges, refunds, expiry, idempotent writers."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from fitflow.audit.models import AuditEntry
from fitflow.credits import service
from fitflow.credits.errors import InsufficientCredits
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from tests.credits.conftest import Holder, make_holder

ORDER = Source("order", "order-1")
BOOKING = Source("booking", "booking-1")


async def grant(
    database: Database, holder: Holder, units: int, source: Source, **options: object
) -> CreditLot:
    async with database.sessions() as session:
        lot = await service.grant(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            units=units,
            source=source,
            **options,  # type: ignore[arg-type]
        )
        await session.commit()
        return lot


async def take(database: Database, holder: Holder, units: int, source: Source) -> list[CreditEntry]:
    async with database.sessions() as session:
        entries = await service.take(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            units=units,
            at=time.now(),
            source=source,
        )
        await session.commit()
        return entries


async def balance(database: Database, holder: Holder) -> int:
    async with database.sessions() as session:
        return await service.balance(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            at=time.now(),
        )


class TestGrantAndCharge:
    async def test_a_charge_takes_from_the_balance(
        self, database: Database, holder: Holder
    ) -> None:
        await grant(database, holder, 1000, ORDER, expires_at=time.now() + timedelta(days=30))
        entries = await take(database, holder, 150, BOOKING)
        assert [(e.kind, e.units) for e in entries] == [("consume", -150)]
        assert await balance(database, holder) == 850

    async def test_granting_twice_for_one_source_grants_once(
        self, database: Database, holder: Holder
    ) -> None:
        first = await grant(database, holder, 500, ORDER)
        again = await grant(database, holder, 500, ORDER)
        assert first.id == again.id
        assert await balance(database, holder) == 500

    async def test_charging_twice_for_one_source_charges_once(
        self, database: Database, holder: Holder
    ) -> None:
        await grant(database, holder, 500, ORDER)
        first = await take(database, holder, 100, BOOKING)
        again = await take(database, holder, 100, BOOKING)
        assert [e.id for e in first] == [e.id for e in again]
        assert await balance(database, holder) == 400

    async def test_a_charge_beyond_the_balance_changes_nothing(
        self, database: Database, holder: Holder
    ) -> None:
        await grant(database, holder, 100, ORDER)
        with pytest.raises(InsufficientCredits) as refused:
            await take(database, holder, 150, BOOKING)
        assert refused.value.data == {"needed_units": 150, "available_units": 100}
        assert await balance(database, holder) == 100

    async def test_a_first_use_pack_starts_its_validity_at_the_first_charge(
        self, database: Database, holder: Holder
    ) -> None:
        lot = await grant(database, holder, 1000, ORDER, valid_days_after_first_use=30)
        assert lot.expires_at is None
        charged_at = time.now()
        with time.frozen(charged_at):
            await take(database, holder, 100, BOOKING)
        async with database.sessions() as session:
            used = await session.get(CreditLot, lot.id, populate_existing=True)
        assert used is not None
        assert used.expires_at == charged_at + timedelta(days=30)


class TestExpiry:
    async def test_an_expired_lot_stops_counting_at_its_expiry_without_any_job(
        self, database: Database, holder: Holder
    ) -> None:
        expiry = time.now() + timedelta(days=1)
        await grant(database, holder, 300, ORDER, expires_at=expiry)
        with time.frozen(expiry - timedelta(seconds=1)):
            assert await balance(database, holder) == 300
        with time.frozen(expiry):
            assert await balance(database, holder) == 0
            with pytest.raises(InsufficientCredits):
                await take(database, holder, 100, BOOKING)

    async def test_the_expiry_job_records_what_expired_and_the_balance_agrees(
        self, database: Database, holder: Holder
    ) -> None:
        expiry = time.now() + timedelta(days=1)
        lot = await grant(database, holder, 300, ORDER, expires_at=expiry)
        async with database.sessions() as session:
            expired = await service.expire_due(session, at=expiry)
            await session.commit()
        assert expired == 1
        async with database.sessions() as session:
            entries = (
                await session.scalars(select(CreditEntry).where(CreditEntry.lot_id == lot.id))
            ).all()
        assert sorted((e.kind, e.units) for e in entries) == [("expire", -300), ("grant", 300)]
        with time.frozen(expiry):
            assert await balance(database, holder) == 0


class TestRefund:
    async def test_a_refund_returns_to_the_lot_that_paid_even_if_a_newer_one_exists(
        self, database: Database, holder: Holder
    ) -> None:
        soon = await grant(database, holder, 100, ORDER, expires_at=time.now() + timedelta(days=3))
        await take(database, holder, 100, BOOKING)
        await grant(database, holder, 1000, Source("order", "order-2"))
        async with database.sessions() as session:
            refunds = await service.refund(
                session, organization_id=holder.organization_id, source=BOOKING, percent=50
            )
            again = await service.refund(
                session, organization_id=holder.organization_id, source=BOOKING, percent=50
            )
            await session.commit()
        assert [(e.lot_id, e.units) for e in refunds] == [(soon.id, 50)]
        assert [e.id for e in again] == [e.id for e in refunds]
        assert await balance(database, holder) == 1050

    async def test_a_refund_to_an_expired_lot_leaves_it_expired(
        self, database: Database, holder: Holder
    ) -> None:
        expiry = time.now() + timedelta(days=1)
        await grant(database, holder, 100, ORDER, expires_at=expiry)
        await take(database, holder, 100, BOOKING)
        with time.frozen(expiry + timedelta(hours=1)):
            async with database.sessions() as session:
                await service.refund(
                    session, organization_id=holder.organization_id, source=BOOKING, percent=100
                )
                await session.commit()
            assert await balance(database, holder) == 0


class TestLedgerIsAppendOnlyAndConsistent:
    async def test_every_lot_holds_the_sum_of_its_entries(
        self, database: Database, holder: Holder
    ) -> None:
        await grant(database, holder, 500, ORDER)
        await take(database, holder, 120, BOOKING)
        async with database.sessions() as session:
            await service.refund(
                session, organization_id=holder.organization_id, source=BOOKING, percent=50
            )
            await session.commit()
            lots = (await session.scalars(select(CreditLot))).all()
            for lot in lots:
                total = await session.scalar(
                    select(func.sum(CreditEntry.units)).where(CreditEntry.lot_id == lot.id)
                )
                assert total == lot.remaining_units == 440

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE credit_entries SET units = units + 100",
            "DELETE FROM credit_entries",
        ],
    )
    async def test_postgresql_refuses_to_change_or_remove_an_entry(
        self, database: Database, holder: Holder, statement: str
    ) -> None:
        await grant(database, holder, 500, ORDER)
        async with database.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                async with session.begin_nested():
                    await session.execute(text(statement))
            assert await session.scalar(select(func.sum(CreditEntry.units))) == 500

    async def test_a_source_used_for_one_member_is_refused_for_another(
        self, client: httpx.AsyncClient, database: Database, holder: Holder
    ) -> None:
        other = await make_holder(client)
        await grant(database, holder, 500, ORDER)
        async with database.sessions() as session:
            with pytest.raises(ValueError, match="another member"):
                await service.grant(
                    session,
                    organization_id=holder.organization_id,
                    member_id=other.member_id,
                    units=500,
                    source=ORDER,
                )


class TestStatementAndAdjustments:
    async def test_staff_adjust_with_a_reason_and_the_member_sees_it(
        self, client: httpx.AsyncClient, holder: Holder, database: Database
    ) -> None:
        url = f"/api/v1/orgs/{holder.slug}/members/{holder.member_id}/credit-adjustments"
        given = await client.post(
            url, headers=holder.owner.headers, json={"units": 250, "reason": "welcome pack"}
        )
        assert given.status_code == 201, given.text
        taken = await client.post(
            url, headers=holder.owner.headers, json={"units": -50, "reason": "correction"}
        )
        assert taken.status_code == 201, taken.text
        mine = await client.get(
            f"/api/v1/orgs/{holder.slug}/me/credits", headers=holder.member.headers
        )
        assert mine.status_code == 200
        statement = mine.json()
        assert (statement["balance_units"], statement["balance"]) == (200, "2")
        assert [(e["kind"], e["units"]) for e in statement["entries"]] == [
            ("adjust", -50),
            ("adjust", 250),
        ]
        async with database.sessions() as session:
            audited = (
                await session.scalars(
                    select(AuditEntry.data).where(AuditEntry.action == "credits.adjusted")
                )
            ).all()
        assert sorted(entry["units"] for entry in audited) == [-50, 250]

    @pytest.mark.parametrize(
        "body",
        [
            {"units": 0, "reason": "nothing"},
            {"units": 100},
            {"units": 100, "reason": "  "},
            {"units": -100, "reason": "with expiry", "expires_at": "2030-01-01T00:00:00Z"},
        ],
    )
    async def test_an_adjustment_needs_a_reason_and_a_change(
        self, client: httpx.AsyncClient, holder: Holder, body: dict[str, object]
    ) -> None:
        url = f"/api/v1/orgs/{holder.slug}/members/{holder.member_id}/credit-adjustments"
        response = await client.post(url, headers=holder.owner.headers, json=body)
        assert response.status_code == 422

    async def test_taking_more_than_the_balance_is_refused(
        self, client: httpx.AsyncClient, holder: Holder
    ) -> None:
        url = f"/api/v1/orgs/{holder.slug}/members/{holder.member_id}/credit-adjustments"
        response = await client.post(
            url, headers=holder.owner.headers, json={"units": -100, "reason": "too much"}
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "insufficient_credits"


class TestRefundAfterTheExpiryJob:
    async def test_a_refund_into_a_lot_the_job_expired_expires_at_once_and_the_job_runs_on(
        self, database: Database, holder: Holder
    ) -> None:
        expiry = time.now() + timedelta(days=1)
        lot = await grant(database, holder, 200, ORDER, expires_at=expiry)
        await take(database, holder, 100, BOOKING)
        later = expiry + timedelta(hours=1)
        with time.frozen(later):
            async with database.sessions() as session:
                assert await service.expire_due(session, at=later) == 1
                refunds = await service.refund(
                    session, organization_id=holder.organization_id, source=BOOKING, percent=100
                )
                assert await service.expire_due(session, at=later) == 0
                await session.commit()
            async with database.sessions() as session:
                kept = await session.get(CreditLot, lot.id, populate_existing=True)
                entries = (
                    await session.scalars(select(CreditEntry).where(CreditEntry.lot_id == lot.id))
                ).all()
        assert [(e.kind, e.units) for e in refunds] == [("refund", 100)]
        assert kept is not None
        assert kept.remaining_units == 0
        assert sum(e.units for e in entries) == 0
        assert sorted(e.kind for e in entries) == ["consume", "expire", "expire", "grant", "refund"]
