"""Memberships: validity in the studio's timezone, freezes within the cap, cancellation,
and states that follow from dates without any job (Europe/Berlin studios)."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import pytest

from fitflow.entitlements import service as entitlements
from fitflow.entitlements.schemas import ClassTerms
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from fitflow.organizations import service as organizations
from tests.memberships.conftest import at, desk_bought_at

BOUGHT = "2027-01-15T10:30:00+01:00"
DROP_IN = {"kind": "drop_in", "name": "Drop-in", "price_minor": 1500, "validity_days": 30}


class TestValidity:
    async def test_a_monthly_membership_runs_from_local_midnight_to_local_midnight(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at(BOUGHT):
            membership = await desk.membership()
        assert membership["valid_from"] == "2027-01-14T23:00:00Z"
        assert membership["valid_until"] == "2027-02-14T23:00:00Z"
        assert membership["status"] == "active"
        assert membership["kind"] == "unlimited"

    async def test_it_expires_at_local_midnight_without_any_job(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-02-14T23:59:59.999999+01:00"):
            assert (await desk.membership())["status"] == "active"
        with at("2027-02-15T00:00:00+01:00"):
            assert (await desk.membership())["status"] == "expired"

    async def test_a_drop_in_sells_a_pass_for_one_class(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT, DROP_IN)
        with at(BOUGHT):
            membership = await desk.membership()
        assert membership["kind"] == "drop_in"
        assert membership["class_allowance"] == 1
        assert membership["valid_until"] == "2027-02-13T23:00:00Z"

    async def test_staff_read_a_members_memberships_and_others_cannot(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        url = f"{desk.base}/members/{desk.studio.member_id}/memberships"
        with at(BOUGHT):
            staff = await client.get(url, headers=await desk.headers("receptionist"))
            outsider = await client.get(url, headers=await desk.headers("outsider"))
        assert [m["id"] for m in staff.json()["items"]] == [desk.membership_id]
        assert outsider.status_code == 404


class TestFreeze:
    async def test_frozen_days_push_the_end_back_by_as_many_local_days(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T09:00:00+01:00"):
            response = await desk.act("freeze", {"days": 5})
            assert response.status_code == 200, response.text
        frozen = response.json()
        assert frozen["status"] == "frozen"
        assert frozen["valid_until"] == "2027-02-19T23:00:00Z"
        assert frozen["freezes"] == [
            {"starts_on": "2027-01-20", "ends_on": "2027-01-25", "days": 5}
        ]
        assert (frozen["freeze_days_used"], frozen["freeze_days_left"]) == (5, 25)
        with at("2027-01-25T00:00:00+01:00"):
            assert (await desk.membership())["status"] == "active"

    async def test_a_freeze_across_the_spring_dst_change_keeps_the_end_at_local_midnight(
        self, client: httpx.AsyncClient
    ) -> None:
        """Berlin moves to summer time on 2027-03-28: fourteen frozen days from
        2027-03-20 are 335 hours, and the end stays at local midnight."""
        desk = await desk_bought_at(client, "2027-02-20T12:00:00+01:00")
        with at("2027-03-19T12:00:00+01:00"):
            before = await desk.membership()
            assert before["valid_until"] == "2027-03-19T23:00:00Z"
            response = await desk.act("freeze", {"days": 14, "starts_on": "2027-03-19"})
            assert response.status_code == 200, response.text
        assert response.json()["valid_until"] == "2027-04-02T22:00:00Z"  # 00:00 CEST
        with at("2027-04-01T23:59:59+02:00"):
            assert (await desk.membership())["status"] == "frozen"
        with at("2027-04-02T00:00:00+02:00"):
            assert (await desk.membership())["status"] == "active"
        with at("2027-04-03T00:00:00+02:00"):
            assert (await desk.membership())["status"] == "expired"

    async def test_the_studio_caps_freeze_days_per_membership(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-16T10:00:00+01:00"):
            await desk.set_policy(max_freeze_days=10)
            assert (await desk.act("freeze", {"days": 7})).status_code == 200
        with at("2027-01-25T10:00:00+01:00"):
            refused = await desk.act("freeze", {"days": 4})
            allowed = await desk.act("freeze", {"days": 3})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "freeze_not_allowed"
        assert refused.json()["error"]["data"] == {"requested_days": 4, "days_left": 3}
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["freeze_days_left"] == 0

    async def test_a_cap_of_zero_means_no_freezing(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at(BOUGHT):
            await desk.set_policy(max_freeze_days=0)
            response = await desk.act("freeze", {"days": 1})
        assert response.status_code == 422
        assert response.json()["error"]["data"]["days_left"] == 0

    @pytest.mark.parametrize(
        ("body", "why"),
        [
            ({"days": 3, "starts_on": "2027-01-19"}, "cannot start in the past"),
            ({"days": 3, "starts_on": "2027-02-15"}, "must start before the membership ends"),
        ],
    )
    async def test_a_freeze_starts_between_today_and_the_end(
        self, client: httpx.AsyncClient, body: dict[str, object], why: str
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            response = await desk.act("freeze", body)
            after = await desk.membership()
        assert response.status_code == 422
        assert why in response.json()["error"]["message"]
        assert after["valid_until"] == "2027-02-14T23:00:00Z"
        assert after["freezes"] == []

    async def test_one_freeze_at_a_time(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("freeze", {"days": 3, "starts_on": "2027-01-25"})
            again = await desk.act("freeze", {"days": 2})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "membership_already_frozen"

    async def test_an_ended_membership_cannot_be_frozen(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-03-01T10:00:00+01:00"):
            response = await desk.act("freeze", {"days": 2})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "membership_not_current"

    async def test_members_freeze_their_own_only_where_the_studio_allows(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at(BOUGHT):
            refused = await desk.act("freeze", {"days": 2}, role="member")
            await desk.set_policy(members_can_freeze=True)
            allowed = await desk.act("freeze", {"days": 2}, role="member")
            stranger = await desk.act("unfreeze", role="outsider")
        assert refused.status_code == 403
        assert allowed.status_code == 200, allowed.text
        assert stranger.status_code == 404


class TestFreezeAndPaidClasses:
    async def test_days_with_a_class_the_membership_paid_for_cannot_be_frozen(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            async with database.sessions() as session:
                studio = await organizations.by_slug(session, desk.studio.slug)
                assert studio is not None
                await entitlements.charge(
                    session,
                    organization=studio,
                    member_id=uuid.UUID(desk.studio.member_id),
                    terms=ClassTerms(
                        starts_at=datetime.fromisoformat("2027-01-22T18:00:00+01:00"),
                        credit_units=100,
                    ),
                    source=Source("booking", "thursday-yoga"),
                )
                await session.commit()
            refused = await desk.act("freeze", {"days": 5})
            allowed = await desk.act("freeze", {"days": 2})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "membership_classes_booked"
        assert refused.json()["error"]["data"] == {"booked_classes": 1}
        assert allowed.status_code == 200, allowed.text


class TestUnfreeze:
    async def test_ending_a_freeze_early_gives_the_unused_days_back(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("freeze", {"days": 10})
        with at("2027-01-23T18:00:00+01:00"):
            response = await desk.act("unfreeze")
        assert response.status_code == 200, response.text
        membership = response.json()
        assert membership["status"] == "active"
        assert membership["freezes"] == [
            {"starts_on": "2027-01-20", "ends_on": "2027-01-23", "days": 3}
        ]
        assert membership["valid_until"] == "2027-02-17T23:00:00Z"
        assert membership["freeze_days_left"] == 27

    async def test_calling_off_a_planned_freeze_uses_no_days(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("freeze", {"days": 5, "starts_on": "2027-02-01"})
            response = await desk.act("unfreeze")
        membership = response.json()
        assert membership["valid_until"] == "2027-02-14T23:00:00Z"
        assert membership["freeze_days_used"] == 0
        assert membership["status"] == "active"
        with at("2027-01-21T10:00:00+01:00"):
            again = await desk.act("unfreeze")
            new_freeze = await desk.act("freeze", {"days": 2})
        assert again.json()["error"]["code"] == "membership_not_frozen"
        assert new_freeze.status_code == 200, new_freeze.text

    async def test_nothing_to_unfreeze_is_a_conflict(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at(BOUGHT):
            response = await desk.act("unfreeze")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "membership_not_frozen"


class TestCancel:
    async def test_at_period_end_it_stays_active_until_its_end(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            response = await desk.act("cancel", {"at_period_end": True})
        assert response.json()["cancel_at"] == "2027-02-14T23:00:00Z"
        assert response.json()["status"] == "active"
        with at("2027-02-15T00:00:00+01:00"):
            assert (await desk.membership())["status"] == "cancelled"

    async def test_now_it_stops_covering_at_once_and_ends_a_running_freeze(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("freeze", {"days": 5})
        with at("2027-01-22T10:00:00+01:00"):
            response = await desk.act("cancel", {"at_period_end": False})
        membership = response.json()
        assert membership["status"] == "cancelled"
        assert membership["cancel_at"] == "2027-01-22T09:00:00Z"
        assert membership["freezes"][0]["ends_on"] == "2027-01-22"

    async def test_a_scheduled_cancellation_blocks_a_freeze_and_cancel_now_still_works(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-20T10:00:00+01:00"):
            await desk.act("cancel", {"at_period_end": True})
            freeze = await desk.act("freeze", {"days": 2})
            now = await desk.act("cancel", {"at_period_end": False})
            again = await desk.act("cancel", {"at_period_end": True})
        assert freeze.json()["error"]["code"] == "membership_cancellation_scheduled"
        assert now.json()["status"] == "cancelled"
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "membership_not_current"

    async def test_members_cancel_their_own_only_where_the_studio_allows(
        self, client: httpx.AsyncClient
    ) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at(BOUGHT):
            refused = await desk.act("cancel", {"at_period_end": True}, role="member")
            await desk.set_policy(members_can_cancel=True)
            allowed = await desk.act("cancel", {"at_period_end": True}, role="member")
        assert refused.status_code == 403
        assert allowed.status_code == 200, allowed.text

    async def test_changes_are_audited(self, client: httpx.AsyncClient) -> None:
        desk = await desk_bought_at(client, BOUGHT)
        with at("2027-01-16T10:00:00+01:00"):
            await desk.act("freeze", {"days": 2, "starts_on": "2027-01-20"})
        with at("2027-01-17T10:00:00+01:00"):
            await desk.act("unfreeze")
        with at("2027-01-18T10:00:00+01:00"):
            await desk.act("cancel", {"at_period_end": True})
            log = await client.get(f"{desk.base}/audit", headers=await desk.headers("owner"))
        actions = [e["action"] for e in log.json()["items"] if e["subject_type"] == "membership"]
        assert actions == ["membership.cancelled", "membership.unfrozen", "membership.frozen"]
