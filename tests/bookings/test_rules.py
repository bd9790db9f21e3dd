"""The booking rules as tables of cases (no database, the clock passed in).

The studio is in Europe/Berlin. In 2026 the clocks go forward at 02:00 on 29 March
(CET +01:00 -> CEST +02:00) and back at 03:00 on 25 October (CEST -> CET), so on the
days after those changes "24 hours before" on the wall clock is 23 or 25 elapsed hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fitflow.bookings import rules
from fitflow.organizations.policy import CancellationTier, Policy, StrikeRule

BERLIN = "Europe/Berlin"
SECOND = timedelta(seconds=1)


def local(text: str) -> datetime:
    """A Berlin wall-clock time, `YYYY-MM-DD HH:MM[:SS]`, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(BERLIN))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def policy(**changes: Any) -> Policy:
    return Policy.model_validate(changes)


def tiers(*pairs: tuple[int, int]) -> list[CancellationTier]:
    return [CancellationTier(min_hours_before=h, refund_percent=p) for h, p in pairs]


DEFAULT_TIERS = Policy().cancellation_tiers

# An ordinary evening class, far from any DST change: 18:00 CET = 17:00 UTC.
EVENING = local("2026-11-25 18:00")
# 10:00 CEST on the day the clocks went forward (08:00 UTC): 24 wall-clock hours
# before is 10:00 CET the day before (09:00 UTC), only 23 elapsed hours earlier.
AFTER_SPRING = local("2026-03-29 10:00")
# 10:00 CET on the day the clocks went back (09:00 UTC): 24 wall-clock hours before
# is 10:00 CEST the day before (08:00 UTC), 25 elapsed hours earlier.
AFTER_FALL = local("2026-10-25 10:00")


class TestWallClockBefore:
    @pytest.mark.parametrize(
        ("at", "delta", "expected"),
        [
            pytest.param(EVENING, timedelta(hours=24), utc("2026-11-24 17:00"), id="plain-day"),
            pytest.param(
                AFTER_SPRING, timedelta(hours=24), utc("2026-03-28 09:00"), id="spring-23h"
            ),
            pytest.param(AFTER_FALL, timedelta(hours=24), utc("2026-10-24 08:00"), id="fall-25h"),
            pytest.param(
                AFTER_SPRING, timedelta(hours=12), utc("2026-03-28 21:00"), id="spring-12h-is-11h"
            ),
            pytest.param(
                AFTER_FALL, timedelta(hours=12), utc("2026-10-24 20:00"), id="fall-12h-is-13h"
            ),
            pytest.param(
                local("2026-04-05 10:00"),
                timedelta(days=14),
                utc("2026-03-22 09:00"),
                id="14-days-across-spring",
            ),
            pytest.param(
                local("2026-11-01 10:00"),
                timedelta(days=14),
                utc("2026-10-18 08:00"),
                id="14-days-across-fall",
            ),
            # 02:30 on 29 March does not exist: it reads as 02:30 CET, i.e. 03:30 CEST.
            pytest.param(
                local("2026-03-30 02:30"),
                timedelta(hours=24),
                utc("2026-03-29 01:30"),
                id="skipped-local-time-lands-an-hour-later",
            ),
            # 02:30 on 25 October happens twice: the first (CEST) one is meant.
            pytest.param(
                local("2026-10-26 02:30"),
                timedelta(hours=24),
                utc("2026-10-25 00:30"),
                id="repeated-local-time-is-its-first-occurrence",
            ),
            pytest.param(EVENING, timedelta(0), EVENING, id="zero"),
        ],
    )
    def test_counts_back_on_the_studios_wall_clock(
        self, at: datetime, delta: timedelta, expected: datetime
    ) -> None:
        found = rules.wall_clock_before(at, BERLIN, delta)
        assert found == expected
        assert found.utcoffset() == timedelta(0)


class TestCancellationTier:
    @pytest.mark.parametrize(
        ("starts_at", "now", "refund_percent"),
        [
            # An ordinary day: deadlines are 24 and 12 elapsed hours before.
            pytest.param(EVENING, EVENING - timedelta(days=5), 100, id="days-ahead"),
            pytest.param(EVENING, local("2026-11-24 18:00:00"), 100, id="24h-deadline-second"),
            pytest.param(EVENING, local("2026-11-24 18:00:01"), 50, id="24h-deadline-plus-1s"),
            pytest.param(EVENING, local("2026-11-25 06:00:00"), 50, id="12h-deadline-second"),
            pytest.param(EVENING, local("2026-11-25 06:00:01"), 0, id="12h-deadline-plus-1s"),
            pytest.param(EVENING, EVENING - SECOND, 0, id="last-second-before-start"),
            pytest.param(EVENING, EVENING, 0, id="at-the-start"),
            pytest.param(EVENING, EVENING + timedelta(hours=1), 0, id="after-the-start"),
            # Spring forward: the wall-clock deadlines are 23 and 11 elapsed hours before.
            pytest.param(AFTER_SPRING, utc("2026-03-28 09:00:00"), 100, id="spring-24h-second"),
            pytest.param(AFTER_SPRING, utc("2026-03-28 09:00:01"), 50, id="spring-24h-plus-1s"),
            pytest.param(
                AFTER_SPRING, utc("2026-03-28 08:30"), 100, id="spring-23.5-elapsed-hours-is-full"
            ),
            pytest.param(AFTER_SPRING, utc("2026-03-28 21:00:00"), 50, id="spring-12h-second"),
            pytest.param(AFTER_SPRING, utc("2026-03-28 21:00:01"), 0, id="spring-12h-plus-1s"),
            pytest.param(
                AFTER_SPRING, utc("2026-03-28 20:30"), 50, id="spring-11.5-elapsed-hours-is-half"
            ),
            # Fall back: the wall-clock deadlines are 25 and 13 elapsed hours before.
            pytest.param(AFTER_FALL, utc("2026-10-24 08:00:00"), 100, id="fall-24h-second"),
            pytest.param(AFTER_FALL, utc("2026-10-24 08:00:01"), 50, id="fall-24h-plus-1s"),
            pytest.param(
                AFTER_FALL, utc("2026-10-24 08:30"), 50, id="fall-24.5-elapsed-hours-is-half"
            ),
            pytest.param(AFTER_FALL, utc("2026-10-24 20:00:00"), 50, id="fall-12h-second"),
            pytest.param(AFTER_FALL, utc("2026-10-24 20:00:01"), 0, id="fall-12h-plus-1s"),
            pytest.param(
                AFTER_FALL, utc("2026-10-24 20:30"), 0, id="fall-12.5-elapsed-hours-is-nothing"
            ),
        ],
    )
    def test_default_tiers_apply_up_to_and_including_their_deadline_second(
        self, starts_at: datetime, now: datetime, refund_percent: int
    ) -> None:
        tier = rules.cancellation_tier(starts_at, BERLIN, DEFAULT_TIERS, now)
        assert tier.refund_percent == refund_percent

    @pytest.mark.parametrize(
        ("now", "min_hours_before", "refund_percent"),
        [
            (local("2026-11-23 18:00:00"), 48, 100),
            (local("2026-11-23 18:00:01"), 2, 75),
            (local("2026-11-25 16:00:00"), 2, 75),
            (local("2026-11-25 16:00:01"), 0, 10),
        ],
    )
    def test_a_studios_own_tiers_are_used(
        self, now: datetime, min_hours_before: int, refund_percent: int
    ) -> None:
        own = tiers((48, 100), (2, 75), (0, 10))
        tier = rules.cancellation_tier(EVENING, BERLIN, own, now)
        assert (tier.min_hours_before, tier.refund_percent) == (min_hours_before, refund_percent)

    def test_a_single_tier_catches_every_cancellation(self) -> None:
        only = tiers((0, 30))
        for now in (EVENING - timedelta(days=30), EVENING, EVENING + timedelta(hours=2)):
            assert rules.cancellation_tier(EVENING, BERLIN, only, now).refund_percent == 30


class TestBookingWindow:
    @pytest.mark.parametrize(
        ("starts_at", "opens_days", "closes_seconds", "opens_at", "closes_at"),
        [
            pytest.param(
                EVENING, 14, 0, local("2026-11-11 18:00"), EVENING, id="14-days-same-local-time"
            ),
            pytest.param(
                local("2026-04-05 10:00"),
                14,
                3600,
                utc("2026-03-22 09:00"),
                utc("2026-04-05 07:00"),
                id="across-spring-forward",
            ),
            pytest.param(
                local("2026-11-01 10:00"),
                14,
                600,
                utc("2026-10-18 08:00"),
                utc("2026-11-01 08:50"),
                id="across-fall-back",
            ),
            pytest.param(EVENING, 0, 0, EVENING, EVENING, id="opens-on-the-day"),
        ],
    )
    def test_opens_n_local_days_ahead_and_closes_m_seconds_before(
        self,
        starts_at: datetime,
        opens_days: int,
        closes_seconds: int,
        opens_at: datetime,
        closes_at: datetime,
    ) -> None:
        rule = policy(booking_opens_days=opens_days, booking_closes_seconds=closes_seconds)
        window = rules.booking_window(starts_at, BERLIN, rule)
        assert (window.opens_at, window.closes_at) == (opens_at, closes_at)


# 10:00 CEST on Sunday 5 April (08:00 UTC); booking opens 14 local days ahead, at
# 10:00 CET on 22 March (09:00 UTC), and closes an hour before the start.
APRIL = local("2026-04-05 10:00")
APRIL_OPENS = utc("2026-03-22 09:00")
APRIL_CLOSES = APRIL - timedelta(hours=1)
IN_WINDOW = APRIL - timedelta(days=3)


class TestBookingRefusal:
    @pytest.mark.parametrize(
        ("stored", "now", "code"),
        [
            pytest.param("draft", IN_WINDOW, "class_session_not_published", id="draft"),
            pytest.param(
                "draft", APRIL + SECOND, "class_session_not_published", id="draft-after-start"
            ),
            pytest.param("cancelled", IN_WINDOW, "class_session_cancelled", id="cancelled"),
            pytest.param(
                "cancelled", APRIL + SECOND, "class_session_cancelled", id="cancelled-after-start"
            ),
            pytest.param("published", APRIL, "class_session_started", id="at-the-start"),
            pytest.param("published", APRIL + SECOND, "class_session_started", id="after-start"),
            pytest.param(
                "published", APRIL_OPENS - SECOND, "booking_not_open", id="second-before-opening"
            ),
            pytest.param(
                "published",
                utc("2026-03-22 08:30"),
                "booking_not_open",
                id="14-elapsed-days-is-not-14-local-days",
            ),
            pytest.param("published", APRIL_OPENS, None, id="the-opening-second"),
            pytest.param("published", IN_WINDOW, None, id="in-the-window"),
            pytest.param("published", APRIL_CLOSES - SECOND, None, id="last-open-second"),
            pytest.param("published", APRIL_CLOSES, "booking_closed", id="the-closing-second"),
            pytest.param("published", APRIL - SECOND, "booking_closed", id="just-before-start"),
        ],
    )
    def test_gives_the_reason_a_session_cannot_be_booked(
        self, stored: str, now: datetime, code: str | None
    ) -> None:
        rule = policy(booking_opens_days=14, booking_closes_seconds=3600)
        assert rules.booking_refusal(stored, APRIL, BERLIN, rule, now) == code

    def test_without_a_closing_time_booking_stays_open_until_the_start(self) -> None:
        rule = policy(booking_closes_seconds=0)
        assert rules.booking_refusal("published", APRIL, BERLIN, rule, APRIL - SECOND) is None
        assert (
            rules.booking_refusal("published", APRIL, BERLIN, rule, APRIL)
            == "class_session_started"
        )


class TestSessionState:
    START = utc("2026-06-01 17:00")
    END = utc("2026-06-01 18:00")

    @pytest.mark.parametrize(
        ("stored", "now", "state"),
        [
            ("published", START - timedelta(days=1), "published"),
            ("published", START - SECOND, "published"),
            ("published", START, "in_progress"),
            ("published", END - SECOND, "in_progress"),
            ("published", END, "completed"),
            ("published", END + timedelta(days=1), "completed"),
            ("draft", START - SECOND, "draft"),
            ("draft", START, "draft"),
            ("draft", END, "draft"),
            ("cancelled", START - SECOND, "cancelled"),
            ("cancelled", START, "cancelled"),
            ("cancelled", END, "cancelled"),
        ],
    )
    def test_published_sessions_follow_the_clock_and_others_stay(
        self, stored: str, now: datetime, state: str
    ) -> None:
        assert rules.session_state(stored, self.START, self.END, now) == state


class TestWaitlistOpen:
    START = utc("2026-06-01 17:00")

    @pytest.mark.parametrize(
        ("cutoff", "now", "is_open"),
        [
            (0, START - timedelta(days=2), True),
            (0, START - SECOND, True),
            (0, START, False),
            (0, START + SECOND, False),
            (1800, START - timedelta(seconds=1801), True),
            (1800, START - timedelta(seconds=1800), False),
            (1800, START - SECOND, False),
        ],
    )
    def test_closes_the_cutoff_before_the_start(
        self, cutoff: int, now: datetime, is_open: bool
    ) -> None:
        rule = policy(waitlist_cutoff_seconds=cutoff)
        assert rules.waitlist_open(self.START, rule, now) is is_open


T0 = utc("2026-05-01 12:00")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


THREE_IN_30_FOR_7 = StrikeRule(limit=3, window_days=30, ban_days=7)


class TestBannedUntil:
    @pytest.mark.parametrize(
        ("strikes", "rule", "now", "until"),
        [
            pytest.param([day(0), day(1), day(2)], None, day(3), None, id="no-rule"),
            pytest.param([], THREE_IN_30_FOR_7, day(0), None, id="no-strikes"),
            pytest.param([day(0), day(1)], THREE_IN_30_FOR_7, day(2), None, id="under-the-limit"),
            pytest.param(
                [day(0), day(10), day(20)], THREE_IN_30_FOR_7, day(21), day(27), id="at-the-limit"
            ),
            pytest.param(
                [day(20), day(0), day(10)], THREE_IN_30_FOR_7, day(21), day(27), id="any-order"
            ),
            pytest.param(
                [day(0), day(10), day(20)],
                THREE_IN_30_FOR_7,
                day(27) - SECOND,
                day(27),
                id="last-banned-second",
            ),
            pytest.param(
                [day(0), day(10), day(20)], THREE_IN_30_FOR_7, day(27), None, id="ban-has-ended"
            ),
            pytest.param(
                [day(0), day(15), day(30)],
                THREE_IN_30_FOR_7,
                day(31),
                None,
                id="first-strike-exactly-window-before-has-left-it",
            ),
            pytest.param(
                [day(0) + SECOND, day(15), day(30)],
                THREE_IN_30_FOR_7,
                day(31),
                day(37),
                id="first-strike-a-second-inside-the-window",
            ),
            pytest.param(
                [day(0), day(40), day(50), day(60)],
                THREE_IN_30_FOR_7,
                day(61),
                day(67),
                id="old-strike-outside-window-ignored",
            ),
            pytest.param(
                [day(0)],
                StrikeRule(limit=1, window_days=1, ban_days=3),
                day(1),
                day(3),
                id="limit-one",
            ),
        ],
    )
    def test_limit_strikes_within_the_window_ban_for_ban_days(
        self,
        strikes: Sequence[datetime],
        rule: StrikeRule | None,
        now: datetime,
        until: datetime | None,
    ) -> None:
        assert rules.banned_until(strikes, rule, now) == until

    def test_a_later_strike_does_not_lift_a_ban_still_running(self) -> None:
        """Two strikes in a day ban for a week. A third strike two days later (a late
        cancel of a class booked before the ban) is alone in its own window, but the
        first ban still runs: an offence must never shorten a ban."""
        rule = StrikeRule(limit=2, window_days=1, ban_days=7)
        pair = [day(0), day(0.5)]
        assert rules.banned_until(pair, rule, day(3)) == day(7.5)
        assert rules.banned_until([*pair, day(2)], rule, day(3)) == day(7.5)


class TestCheckinRefusal:
    START = utc("2026-06-01 17:00")
    END = utc("2026-06-01 18:00")

    @pytest.mark.parametrize(
        ("opens", "now", "code"),
        [
            (1800, START - timedelta(hours=3), "checkin_not_open"),
            (1800, START - timedelta(seconds=1801), "checkin_not_open"),
            (1800, START - timedelta(seconds=1800), None),
            (1800, START, None),
            (1800, END - SECOND, None),
            (1800, END, "checkin_closed"),
            (1800, END + timedelta(hours=1), "checkin_closed"),
            (0, START - SECOND, "checkin_not_open"),
            (0, START, None),
        ],
    )
    def test_opens_before_the_start_and_closes_at_the_end(
        self, opens: int, now: datetime, code: str | None
    ) -> None:
        rule = policy(checkin_opens_seconds=opens)
        assert rules.checkin_refusal(self.START, self.END, rule, now) == code
