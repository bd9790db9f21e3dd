"""Recurring memberships through Stripe subscriptions: the checkout starts one, each paid
invoice becomes an order, an invoice and a month of membership; a declined renewal opens
a grace period and then suspends; cancellation and freezes travel both ways. Stripe is the
loopback (localstripe plus Checkout Sessions); its events are signed and delivered to the
webhook, and the jobs run in a real worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fitflow.kit import jobs, time
from fitflow.payments.grace_tasks import suspend_past_grace
from fitflow.plans.validity import shift_by_days
from tests.factories import Account, account
from tests.payments.online import Shop
from tests.payments.stripe_loopback import DECLINING_CARD

MONTHLY_ONLINE = {
    "kind": "unlimited",
    "name": "Monthly online",
    "price_minor": 5900,
    "billing_period": "month",
}


@dataclass
class Subscriber:
    shop: Shop
    person: Account
    plan_id: str
    order_id: str
    checkout_ref: str
    subscription_ref: str = ""

    @property
    def base(self) -> str:
        return f"/api/v1/orgs/{self.shop.slug}"

    async def memberships(self) -> list[dict[str, Any]]:
        response = await self.shop.client.get(
            f"{self.base}/me/memberships", headers=self.person.headers
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return sorted(items, key=lambda m: m["valid_from"])

    async def orders(self) -> list[dict[str, Any]]:
        member_id = await self.shop.scalar(
            "SELECT member_id FROM orders WHERE id = :id", id=self.order_id
        )
        response = await self.shop.client.get(
            f"{self.base}/orders",
            params={"member_id": str(member_id)},
            headers=self.shop.headers("owner"),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def invoices(self) -> int:
        response = await self.shop.client.get(
            f"{self.base}/me/invoices", headers=self.person.headers
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    async def status(self) -> str:
        return str(
            await self.shop.scalar(
                "SELECT status FROM subscriptions WHERE provider_ref = :ref",
                ref=self.subscription_ref,
            )
        )

    async def emails(self, subject: str) -> int:
        return int(
            await self.shop.scalar(
                "SELECT count(*) FROM outbound_emails WHERE to_address = :to"
                " AND subject LIKE :subject",
                to=self.person.email,
                subject=f"%{subject}%",
            )
        )

    def stripe_subscription(self) -> Any:
        return self.shop.sdk.v1.subscriptions.retrieve(self.subscription_ref)

    async def act_on_membership(self, membership_id: str, action: str, **body: Any) -> None:
        response = await self.shop.client.post(
            f"{self.base}/memberships/{membership_id}/{action}",
            headers=self.shop.headers("owner"),
            json=body,
        )
        assert response.status_code == 200, response.text
        await self.shop.run_jobs()


async def _started(shop: Shop) -> Subscriber:
    """A newcomer who opened a subscription checkout for the monthly online plan."""
    owner = shop.headers("owner")
    plan = await shop.client.post(
        f"/api/v1/orgs/{shop.slug}/plans", headers=owner, json=MONTHLY_ONLINE
    )
    assert plan.status_code == 201, plan.text
    person = await account(shop.client, full_name="Sub Scriber")
    joined = await shop.client.post(f"/api/v1/orgs/{shop.slug}/join", headers=person.headers)
    assert joined.status_code == 201, joined.text
    checkout = await shop.client.post(
        f"/api/v1/orgs/{shop.slug}/plans/{plan.json()['id']}/checkout",
        headers=person.headers,
        json={},
    )
    assert checkout.status_code == 201, checkout.text
    body = checkout.json()
    return Subscriber(shop, person, plan.json()["id"], body["order_id"], shop.checkout_ref(body))


async def _subscribed(shop: Shop) -> Subscriber:
    """A newcomer who paid the subscription checkout, with Stripe's events handled."""
    subscriber = await _started(shop)
    session = shop.stripe.pay_checkout(subscriber.checkout_ref)
    subscriber.subscription_ref = session["subscription"]
    await shop.deliver_and_run(shop.stripe.completed_event(subscriber.checkout_ref))
    await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
    return subscriber


async def _declined_renewal(shop: Shop) -> tuple[Subscriber, dict[str, Any]]:
    """A subscriber whose renewal was declined, with the membership as it was before."""
    subscriber = await _subscribed(shop)
    [before] = await subscriber.memberships()
    shop.stripe.renew(subscriber.subscription_ref, payment_method=DECLINING_CARD)
    failed = shop.stripe.invoice_payment_failed_event(subscriber.subscription_ref)
    await shop.deliver_and_run(failed)
    return subscriber, before


async def _suspend_past_grace(shop: Shop) -> None:
    """The periodic suspension job, queued now and run."""
    async with shop.database.sessions() as session:
        await jobs.defer(session, suspend_past_grace, timestamp=int(time.now().timestamp()))
        await session.commit()
    await shop.run_jobs()


async def _a_day_before(shop: Shop, valid_until: str) -> int:
    """When Stripe should charge the next period: a local day before `valid_until`."""
    timezone = await shop.scalar("SELECT timezone FROM organizations WHERE slug = :s", s=shop.slug)
    return int(shift_by_days(_at(valid_until), timezone=str(timezone), days=-1).timestamp())


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class TestSubscriptionCheckout:
    async def test_a_plan_billed_monthly_opens_a_subscription_checkout(self, shop: Shop) -> None:
        subscriber = await _started(shop)
        session = shop.stripe.checkout_session(subscriber.checkout_ref)
        paid = shop.stripe.pay_checkout(subscriber.checkout_ref)
        plan = shop.sdk.v1.subscriptions.retrieve(paid["subscription"])["plan"]
        assert (session["mode"], session["amount_total"]) == ("subscription", 5900)
        assert (plan["interval"], plan["amount"]) == ("month", 5900)

    async def test_the_first_invoice_grants_the_first_month_once(self, shop: Shop) -> None:
        subscriber = await _started(shop)
        session = shop.stripe.pay_checkout(subscriber.checkout_ref)
        subscriber.subscription_ref = session["subscription"]
        paid = shop.stripe.invoice_paid_event(subscriber.subscription_ref)
        statuses = await shop.deliver_concurrently(paid, 10)
        await shop.deliver(shop.stripe.completed_event(subscriber.checkout_ref))
        await shop.run_jobs()
        [membership] = await subscriber.memberships()
        [order] = await subscriber.orders()
        assert statuses == [200] * 10
        assert membership["status"] == "active"
        assert membership["subscription_id"] is not None
        assert (order["status"], order["amount_minor"]) == ("paid", 5900)
        assert await subscriber.invoices() == 1
        assert await subscriber.status() == "active"

    async def test_the_invoice_may_arrive_before_the_checkout_completes(self, shop: Shop) -> None:
        subscriber = await _started(shop)
        session = shop.stripe.pay_checkout(subscriber.checkout_ref)
        subscriber.subscription_ref = session["subscription"]
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        await shop.deliver_and_run(shop.stripe.completed_event(subscriber.checkout_ref))
        [membership] = await subscriber.memberships()
        assert membership["status"] == "active"
        assert len(await subscriber.orders()) == 1

    async def test_a_member_with_a_live_subscription_cannot_start_another(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        again = await shop.client.post(
            f"{subscriber.base}/plans/{subscriber.plan_id}/checkout",
            headers=subscriber.person.headers,
            json={},
        )
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "already_subscribed"


class TestRenewal:
    async def test_a_paid_renewal_adds_the_next_month_with_its_own_order_and_invoice(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        shop.stripe.renew(subscriber.subscription_ref)
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        first, second = await subscriber.memberships()
        orders = await subscriber.orders()
        assert second["valid_from"] == first["valid_until"]
        assert _at(second["valid_until"]) > _at(first["valid_until"]) + timedelta(days=27)
        assert sorted(o["status"] for o in orders) == ["paid", "paid"]
        assert await subscriber.invoices() == 2
        assert await subscriber.emails("Renewal paid") == 1

    async def test_a_renewal_delivered_twice_renews_once(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        shop.stripe.renew(subscriber.subscription_ref)
        paid = shop.stripe.invoice_paid_event(subscriber.subscription_ref)
        await shop.deliver_and_run(paid)
        await shop.deliver_and_run({**paid, "id": paid["id"] + "_again"})
        assert len(await subscriber.memberships()) == 2
        assert len(await subscriber.orders()) == 2


class TestFailedRenewal:
    async def test_the_member_keeps_booking_through_the_grace_days(self, shop: Shop) -> None:
        subscriber, before = await _declined_renewal(shop)
        [during] = await subscriber.memberships()
        grace_days = (_at(during["valid_until"]) - _at(before["valid_until"])).days
        assert grace_days == 7
        assert during["status"] == "active"
        assert await subscriber.status() == "past_due"
        assert await subscriber.emails("Renewal payment failed") == 1

    async def test_another_declined_retry_does_not_extend_the_grace(self, shop: Shop) -> None:
        subscriber, _ = await _declined_renewal(shop)
        [during] = await subscriber.memberships()
        shop.stripe.retry_renewal(subscriber.subscription_ref, payment_method=DECLINING_CARD)
        failed = shop.stripe.invoice_payment_failed_event(subscriber.subscription_ref)
        await shop.deliver_and_run(failed)
        [after] = await subscriber.memberships()
        assert after["valid_until"] == during["valid_until"]
        assert await subscriber.emails("Renewal payment failed") == 1

    async def test_past_the_grace_the_membership_is_suspended_and_the_member_told(
        self, shop: Shop
    ) -> None:
        subscriber, _ = await _declined_renewal(shop)
        [during] = await subscriber.memberships()
        await _suspend_past_grace(shop)
        assert await subscriber.status() == "past_due"
        with time.frozen(_at(during["valid_until"]) + timedelta(minutes=1)):
            await _suspend_past_grace(shop)
        [after] = await subscriber.memberships()
        assert await subscriber.status() == "suspended"
        assert after["valid_until"] == during["valid_until"]
        assert await subscriber.emails("Membership suspended") == 1

    async def test_a_retry_paid_in_the_grace_days_starts_the_next_month_at_the_paid_end(
        self, shop: Shop
    ) -> None:
        subscriber, before = await _declined_renewal(shop)
        shop.stripe.retry_renewal(subscriber.subscription_ref, payment_method="pm_card_visa")
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        first, second = await subscriber.memberships()
        assert first["valid_until"] == before["valid_until"]
        assert second["valid_from"] == before["valid_until"]
        assert await subscriber.status() == "active"


class TestChangesMadeInStripe:
    async def test_cancelling_at_period_end_ends_the_membership_with_its_month(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        updated = shop.stripe.subscription_updated_event(
            subscriber.subscription_ref, cancel_at_period_end=True
        )
        await shop.deliver_and_run(updated)
        [membership] = await subscriber.memberships()
        assert membership["cancel_at"] == membership["valid_until"]
        assert membership["status"] == "active"

    async def test_an_older_update_does_not_undo_a_newer_one(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        now = int(time.now().timestamp())
        newer = shop.stripe.subscription_updated_event(
            subscriber.subscription_ref, created=now + 10, cancel_at_period_end=True
        )
        older = shop.stripe.subscription_updated_event(
            subscriber.subscription_ref, created=now, cancel_at_period_end=False
        )
        await shop.deliver_and_run(newer)
        await shop.deliver_and_run(older)
        [membership] = await subscriber.memberships()
        assert membership["cancel_at"] == membership["valid_until"]

    async def test_a_deleted_subscription_keeps_the_paid_month_and_renews_no_more(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        deleted = shop.stripe.subscription_deleted_event(subscriber.subscription_ref)
        await shop.deliver_and_run(deleted)
        [membership] = await subscriber.memberships()
        assert await subscriber.status() == "cancelled"
        assert membership["cancel_at"] == membership["valid_until"]
        assert membership["status"] == "active"
        assert await subscriber.emails("Subscription ended") == 1

    async def test_deleted_in_the_grace_days_ends_the_membership_now(self, shop: Shop) -> None:
        subscriber, before = await _declined_renewal(shop)
        deleted = shop.stripe.subscription_deleted_event(subscriber.subscription_ref)
        await shop.deliver_and_run(deleted)
        [membership] = await subscriber.memberships()
        assert membership["valid_until"] == before["valid_until"]
        assert await subscriber.status() == "cancelled"


class TestChangesMadeInFitFlow:
    async def test_cancelling_at_period_end_tells_stripe(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        await subscriber.act_on_membership(membership["id"], "cancel", at_period_end=True)
        stripe_subscription = subscriber.stripe_subscription()
        assert stripe_subscription.cancel_at_period_end is True
        assert stripe_subscription.status == "active"

    async def test_cancelling_now_cancels_the_subscription_in_stripe(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        await subscriber.act_on_membership(membership["id"], "cancel", at_period_end=False)
        assert subscriber.stripe_subscription().status == "canceled"
        await shop.deliver_and_run(
            shop.stripe.subscription_deleted_event(subscriber.subscription_ref)
        )
        assert await subscriber.status() == "cancelled"

    async def test_a_freeze_moves_the_next_charge_to_the_new_end(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        await subscriber.act_on_membership(membership["id"], "freeze", days=10)
        [frozen] = await subscriber.memberships()
        trial_end = subscriber.stripe_subscription().trial_end
        assert trial_end == await _a_day_before(shop, frozen["valid_until"])
        assert _at(frozen["valid_until"]) - _at(membership["valid_until"]) == timedelta(days=10)

    async def test_an_early_unfreeze_brings_the_charge_back(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        starts_on = (time.now() + timedelta(days=3)).date().isoformat()
        await subscriber.act_on_membership(membership["id"], "freeze", days=10, starts_on=starts_on)
        await subscriber.act_on_membership(membership["id"], "unfreeze")
        [after] = await subscriber.memberships()
        assert after["valid_until"] == membership["valid_until"]
        trial_end = subscriber.stripe_subscription().trial_end
        assert trial_end == await _a_day_before(shop, after["valid_until"])

    async def test_stripe_charges_the_next_period_a_day_before_the_paid_one_ends(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        trial_end = subscriber.stripe_subscription().trial_end
        assert trial_end == await _a_day_before(shop, membership["valid_until"])


async def _plan(shop: Shop, **fields: Any) -> str:
    response = await shop.client.post(
        f"/api/v1/orgs/{shop.slug}/plans",
        headers=shop.headers("owner"),
        json={**MONTHLY_ONLINE, **fields},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _change_plan(subscriber: Subscriber, plan_id: str) -> Any:
    [subscription] = await _my_subscriptions(subscriber)
    return await subscriber.shop.client.post(
        f"{subscriber.base}/subscriptions/{subscription['id']}/change-plan",
        headers=subscriber.person.headers,
        json={"plan_id": plan_id},
    )


async def _my_subscriptions(subscriber: Subscriber) -> list[dict[str, Any]]:
    response = await subscriber.shop.client.get(
        f"{subscriber.base}/me/subscriptions", headers=subscriber.person.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestPlanChange:
    async def test_the_member_reads_their_subscription(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        [subscription] = await _my_subscriptions(subscriber)
        assert (subscription["status"], subscription["amount_minor"]) == ("active", 5900)
        assert subscription["plan_id"] == subscriber.plan_id

    async def test_the_period_takes_the_new_plan_now_and_stripe_prorates_the_price(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        plus = await _plan(shop, name="Monthly plus", price_minor=7900)
        changed = await _change_plan(subscriber, plus)
        await shop.run_jobs()
        [membership] = await subscriber.memberships()
        item = subscriber.stripe_subscription()["items"]["data"][0]
        assert changed.status_code == 200, changed.text
        assert (changed.json()["plan_id"], changed.json()["amount_minor"]) == (plus, 7900)
        assert (membership["plan_id"], membership["name"]) == (plus, "Monthly plus")
        assert item["plan"]["amount"] == 7900

    async def test_the_next_renewal_is_on_the_new_plan_at_what_stripe_charged(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        plus = await _plan(shop, name="Monthly plus", price_minor=7900)
        await _change_plan(subscriber, plus)
        await shop.run_jobs()
        renewal = shop.stripe.renew(subscriber.subscription_ref)
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        _, second = await subscriber.memberships()
        [renewed] = [o for o in await subscriber.orders() if o["description"].endswith("renewal")]
        assert second["name"] == "Monthly plus"
        assert renewed["amount_minor"] == renewal["amount_paid"]

    async def test_a_plan_billed_yearly_is_refused(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        yearly = await _plan(shop, name="Yearly", price_minor=59000, billing_period="year")
        refused = await _change_plan(subscriber, yearly)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "plan_change_not_allowed"

    async def test_a_subscription_in_its_grace_days_cannot_change_plan(self, shop: Shop) -> None:
        subscriber, _ = await _declined_renewal(shop)
        plus = await _plan(shop, name="Monthly plus", price_minor=7900)
        refused = await _change_plan(subscriber, plus)
        assert refused.status_code == 409, refused.text


class TestNewsOutOfStep:
    """What Stripe reports late, out of order, or about what it should not."""

    async def test_a_renewal_charged_after_the_member_cancelled_is_paid_back(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        [membership] = await subscriber.memberships()
        cancelled = await shop.client.post(
            f"{subscriber.base}/memberships/{membership['id']}/cancel",
            headers=shop.headers("owner"),
            json={"at_period_end": True},
        )
        assert cancelled.status_code == 200, cancelled.text
        renewal = shop.stripe.renew(subscriber.subscription_ref)  # before the sync job ran
        paid = shop.stripe.invoice_paid_event(subscriber.subscription_ref)
        await shop.deliver_and_run(paid)
        outcome = await shop.scalar(
            "SELECT outcome FROM payment_events WHERE id = :id", id=paid["id"]
        )
        assert outcome == "refunded"
        assert len(await subscriber.memberships()) == 1
        assert shop.refunded_in_stripe(renewal["payment_intent"]) == renewal["amount_paid"]
        assert subscriber.stripe_subscription().cancel_at_period_end is True

    async def test_a_failure_reported_after_the_retry_was_paid_changes_nothing(
        self, shop: Shop
    ) -> None:
        subscriber = await _subscribed(shop)
        shop.stripe.renew(subscriber.subscription_ref, payment_method=DECLINING_CARD)
        failed = shop.stripe.invoice_payment_failed_event(subscriber.subscription_ref)
        shop.stripe.retry_renewal(subscriber.subscription_ref, payment_method="pm_card_visa")
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        await shop.deliver_and_run(failed)
        assert await subscriber.status() == "active"
        assert len(await subscriber.memberships()) == 2
        assert await subscriber.emails("Renewal payment failed") == 0

    async def test_an_event_naming_another_members_subscription_changes_nothing(
        self, shop: Shop
    ) -> None:
        mine = await _subscribed(shop)
        theirs = await _subscribed(shop)
        forged = shop.stripe.subscription_updated_event(theirs.subscription_ref, status="canceled")
        obj = forged["data"]["object"]
        obj["metadata"] = (
            shop.stripe.client()
            .v1.subscriptions.retrieve(mine.subscription_ref)
            .to_dict()["metadata"]
        )
        await shop.deliver_and_run(forged)
        assert (await mine.status(), await theirs.status()) == ("active", "active")

    async def test_a_prorated_charge_is_recorded_without_granting_days(self, shop: Shop) -> None:
        subscriber = await _subscribed(shop)
        shop.stripe.renew(subscriber.subscription_ref)
        charge = shop.stripe.invoice_paid_event(subscriber.subscription_ref)
        charge["data"]["object"]["billing_reason"] = "subscription_update"
        await shop.deliver_and_run(charge)
        orders = await subscriber.orders()
        assert len(await subscriber.memberships()) == 1
        assert sorted(o["description"] for o in orders) == [
            "Monthly online",
            "Monthly online: subscription_update",
        ]
        assert await subscriber.invoices() == 2

    async def test_an_invoice_without_its_payment_has_it_looked_up(self, shop: Shop) -> None:
        """Recent API versions send no `payment_intent` on invoices."""
        subscriber = await _started(shop)
        subscriber.subscription_ref = shop.stripe.pay_checkout(subscriber.checkout_ref)[
            "subscription"
        ]
        paid = shop.stripe.invoice_paid_event(subscriber.subscription_ref)
        intent = paid["data"]["object"].pop("payment_intent")
        paid["data"]["object"].pop("charge", None)
        await shop.deliver_and_run(paid)
        [order] = await subscriber.orders()
        assert (order["status"], order["payment_ref"]) == ("paid", intent)
        assert len(await subscriber.memberships()) == 1

    async def test_a_partial_refund_of_a_month_leaves_the_subscription_renewing(
        self, shop: Shop
    ) -> None:
        """The refund cuts the month short; that is not the member cancelling."""
        subscriber = await _subscribed(shop)
        refunded = await shop.client.post(
            f"{subscriber.base}/orders/{subscriber.order_id}/refund",
            headers=shop.headers("owner"),
            json={"amount_minor": 2000, "reason": "a week closed for works"},
        )
        assert refunded.status_code == 200, refunded.text
        await shop.run_jobs()
        shop.stripe.renew(subscriber.subscription_ref)
        await shop.deliver_and_run(shop.stripe.invoice_paid_event(subscriber.subscription_ref))
        first, second = await subscriber.memberships()
        assert first["cancel_at"] is not None
        assert second["valid_from"] == first["valid_until"]
        assert subscriber.stripe_subscription().status == "active"
        assert subscriber.stripe_subscription().cancel_at_period_end is False
