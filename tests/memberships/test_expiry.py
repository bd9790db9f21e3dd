"""The tidy-up job: recorded states catch up with dates, and one notice before the end."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import select

from fitflow.kit.db import Database
from fitflow.memberships import expiry
from fitflow.memberships.models import Membership
from fitflow.notifications.models import OutboundEmail
from tests.memberships.conftest import Desk, at, desk_bought_at

BOUGHT = "2027-01-15T10:30:00+01:00"  # valid until 2027-02-15 00:00 Berlin


async def recorded_status(database: Database, desk: Desk) -> str:
    async with database.sessions() as session:
        membership = await session.scalar(
            select(Membership).where(Membership.id == desk.membership_id)
        )
        assert membership is not None
        return membership.status


async def notices_to(database: Database, email: str) -> list[OutboundEmail]:
    async with database.sessions() as session:
        rows = await session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == email))
        return list(rows)


async def tidy(database: Database, moment: datetime) -> tuple[int, int]:
    async with database.sessions() as session:
        ended = await expiry.record_ended(session, at=moment)
        warned = await expiry.warn_ending_soon(session, at=moment, warning_days=7)
        await session.commit()
    return ended, warned


class TestRecordEnded:
    async def test_an_ended_membership_is_recorded_as_expired_once_the_job_runs(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-02-14T23:59:00+01:00") as moment:
            await tidy(database, moment)
            assert await recorded_status(database, desk) == "active"
        with at("2027-02-15T00:00:00+01:00") as moment:
            assert (await tidy(database, moment))[0] == 1
            assert await recorded_status(database, desk) == "expired"
            assert (await tidy(database, moment))[0] == 0

    async def test_a_cancelled_one_is_recorded_as_cancelled(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("cancel", {"at_period_end": True})
        with at("2027-02-16T00:00:00+01:00") as moment:
            await tidy(database, moment)
        assert await recorded_status(database, desk) == "cancelled"


class TestWarning:
    async def test_the_member_is_told_once_within_a_week_of_the_end(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        email = desk.studio.accounts["member"].email
        with at("2027-02-07T23:59:00+01:00") as moment:
            assert (await tidy(database, moment))[1] == 0
        with at("2027-02-08T00:00:00+01:00") as moment:
            assert (await tidy(database, moment))[1] == 1
            assert (await tidy(database, moment))[1] == 0
        [notice] = await notices_to(database, email)
        assert "Monthly unlimited" in notice.subject
        assert "Sunday 14 February 2027" in notice.body_text

    async def test_a_membership_cancelled_now_gets_no_notice(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-02-01T10:00:00+01:00"):
            await desk.act("cancel", {"at_period_end": False})
        with at("2027-02-10T10:00:00+01:00") as moment:
            await tidy(database, moment)
        assert await notices_to(database, desk.studio.accounts["member"].email) == []

    async def test_a_member_who_renewed_gets_no_notice(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-02-05T10:00:00+01:00"):
            renewed = await desk.renew()
        assert renewed["valid_from"] == "2027-02-14T23:00:00Z"  # the old one's end
        assert renewed["valid_until"] == "2027-03-14T23:00:00Z"
        with at("2027-02-10T10:00:00+01:00") as moment:
            assert (await tidy(database, moment))[1] == 0
