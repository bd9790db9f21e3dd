"""The fitflow command and the demo studio."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from fitflow import demo, demo_catalog, demo_week
from fitflow.auth.runtime import AuthRuntime
from fitflow.cli import main
from fitflow.config import Settings
from fitflow.kit.db import Database
from fitflow.organizations import service as organizations
from fitflow.organizations.policy import policy_of
from tests.conftest import table_count, truncate_all


class TestDemo:
    async def test_seeding_twice_creates_the_studio_once(
        self, database: Database, settings: Settings
    ) -> None:
        runtime = AuthRuntime.from_settings(settings)
        for _ in range(2):
            async with database.sessions() as session:
                logins = await demo.seed(session, runtime)
                await session.commit()
        assert len(logins) == 35
        assert await table_count(database, "organizations") == 1
        assert await table_count(database, "staff") == 5
        assert await table_count(database, "members") == 30
        assert await table_count(database, "users") == 35
        assert await table_count(database, "plans") == 4
        assert await table_count(database, "class_types") == len(demo_catalog.CLASS_TYPES)
        assert await table_count(database, "locations") == len(demo_catalog.ROOMS)
        assert await table_count(database, "orders") == len(demo_catalog.HOLDINGS)
        assert await table_count(database, "memberships") == 13
        assert await table_count(database, "credit_lots") == 8
        assert await table_count(database, "class_schedules") == len(demo_week.WEEK)
        assert await table_count(database, "trainer_availability") == 5

    async def test_the_demo_week_has_bookings_holds_a_waitlist_and_check_ins(
        self, database: Database, settings: Settings
    ) -> None:
        async with database.sessions() as session:
            await demo.seed(session, AuthRuntime.from_settings(settings))
            await session.commit()
            rows = await session.execute(
                text("SELECT status, count(*) FROM bookings GROUP BY status")
            )
            counts = {row[0]: row[1] for row in rows}
            waiting = await session.scalar(
                text("SELECT count(*) FROM waitlist_entries WHERE status = 'waiting'")
            )
            full = await session.scalar(
                text("SELECT count(*) FROM class_sessions WHERE taken = capacity")
            )
        assert counts["confirmed"] >= 20
        assert counts["held"] == 2
        assert counts["attended"] == 2
        assert waiting == 3
        assert full >= 1

    async def test_the_demo_studio_prices_weekday_evenings_as_peak(
        self, database: Database, settings: Settings
    ) -> None:
        async with database.sessions() as session:
            await demo.seed(session, AuthRuntime.from_settings(settings))
            studio = await organizations.by_slug(session, demo.SLUG)
        assert studio is not None
        [peak] = policy_of(studio.policy).pricing_tiers
        assert (peak.weekdays, peak.credit_percent) == (["mon", "tue", "wed", "thu", "fri"], 150)

    def test_the_banner_says_which_members_hold_which_plan(self) -> None:
        assert demo_catalog.holdings_summary() == [
            "member01-member08  Monthly unlimited",
            "member09-member16  10-class pack",
            "member17-member19  Drop-in class",
            "member20-member21  Intro week",
        ]

    async def test_every_role_of_the_demo_has_a_login(self) -> None:
        roles = [login.role for login in demo.staff_logins() + demo.member_logins()]
        assert roles.count("owner") == 1
        assert roles.count("admin") == 1
        assert roles.count("trainer") == 2
        assert roles.count("receptionist") == 1
        assert roles.count("member") == 30


class TestCreateOwner:
    def test_creates_the_studio_with_its_owner(
        self,
        settings: Settings,
        database_url: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("FITFLOW_OWNER_PASSWORD", "an-owner-password")
        try:
            main(
                [
                    "create-owner",
                    "--email",
                    "boss@example.com",
                    "--name",
                    "Boss",
                    "--studio",
                    "Boss Gym",
                    "--slug",
                    "boss-gym",
                    "--timezone",
                    "Europe/Paris",
                    "--currency",
                    "EUR",
                    "--superuser",
                ]
            )
            assert (
                "studio 'boss-gym' created with owner boss@example.com" in capsys.readouterr().out
            )
            assert asyncio.run(self._owner_row(database_url, settings)) == ("owner", True)
        finally:
            asyncio.run(truncate_all(database_url))

    def test_a_weak_password_is_refused(
        self, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FITFLOW_OWNER_PASSWORD", "password123")
        with pytest.raises(SystemExit, match="most common"):
            main(
                [
                    "create-owner",
                    "--email",
                    "b@example.com",
                    "--name",
                    "B",
                    "--studio",
                    "B",
                    "--slug",
                    "b-gym",
                    "--timezone",
                    "UTC",
                    "--currency",
                    "EUR",
                ]
            )

    @staticmethod
    async def _owner_row(database_url: str, settings: Settings) -> tuple[str, bool]:
        database = Database.connect(database_url, settings.database)
        try:
            async with database.sessions() as session:
                row = (
                    await session.execute(
                        text(
                            "SELECT s.role, u.is_superuser FROM staff s "
                            "JOIN users u ON u.id = s.user_id "
                            "JOIN organizations o ON o.id = s.organization_id "
                            "WHERE o.slug = 'boss-gym'"
                        )
                    )
                ).one()
                return str(row[0]), bool(row[1])
        finally:
            await database.dispose()


def test_migrate_on_an_up_to_date_database_changes_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    assert "database schema is up to date" in capsys.readouterr().out
