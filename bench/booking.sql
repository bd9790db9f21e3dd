-- One-step booking (POST /api/v1/orgs/{org}/sessions/{id}/bookings) by a member with a
-- monthly unlimited membership, as the API sends it to PostgreSQL: the statements below
-- are copied from the server's log (log_statement = all) of one such request, in order,
-- with the API's parameters turned into pgbench variables. `bench.capture` checks in
-- every run that the API still sends this sequence (see bench/README.md).
--
-- Not replayed: the Redis rate-limit hit and the JWT decode (the pool sends no pre-ping:
-- it checks a connection's socket without a round trip, see `fitflow.kit.db`).
--
-- Harness (not the API's): pick this client's next (member, session) pair, so every
-- transaction books a different one, and make the values the API computes in Python
-- (uuid4 ids, the clock) in one lookup before the transaction.
-- Variables given with -D: start, clients, members, sessions, org, slug, hold_seconds;
-- n = 0 (a per-client counter; pgbench keeps variables between a client's transactions).
\set k :start + :n * :clients + :client_id
\set n :n + 1
\set mi :k % :members
\set si (:k / :members + :mi) % :sessions
SELECT bm.user_id, bm.family_id, bs.session_id, g.booking_id, gen_random_uuid() AS charge_id,
       g.now, g.now + make_interval(secs => :hold_seconds) AS hold_expires_at
FROM bench_members bm, bench_sessions bs,
     (SELECT gen_random_uuid() AS booking_id, clock_timestamp() AS now) g
WHERE bm.n = :mi AND bs.n = :si \gset
BEGIN;
-- organizations.deps.studio_caller (auth.repository.login_in_studio): the studio, the
-- access token's live login, the caller's staff role and member record, in one query
SELECT organizations.id, organizations.slug, organizations.name, organizations.timezone, organizations.currency, organizations.policy, organizations.contact_email, organizations.phone, organizations.address, organizations.website, organizations.legal_name, organizations.tax_id, organizations.tax_rate_bp, organizations.invoice_footer, organizations.created_at, EXISTS (SELECT token_families.id
FROM token_families JOIN users ON users.id = token_families.user_id
WHERE token_families.id = :family_id::UUID AND users.id = :user_id::UUID AND token_families.revoked_at IS NULL AND users.is_active IS true) AS live, (SELECT staff.role
FROM staff
WHERE staff.organization_id = organizations.id AND staff.user_id = :user_id::UUID) AS staff_role, members.id AS id_1, members.status
FROM organizations LEFT OUTER JOIN members ON members.organization_id = organizations.id AND members.user_id = :user_id::UUID
WHERE organizations.slug = :slug::VARCHAR \gset o_
-- bookings.repository.session_and_own_spot: the session, the caller's own spot in it,
-- whether they wait on any waitlist of the studio and whether a hold of it has lapsed
SELECT class_sessions.id, class_sessions.organization_id, class_sessions.class_type_id, class_sessions.location_id, class_sessions.trainer_id, class_sessions.schedule_id, class_sessions.occurrence_on, class_sessions.detached, class_sessions.title, class_sessions.starts_at, class_sessions.ends_at, class_sessions.capacity, class_sessions.taken, class_sessions.credit_units, class_sessions.status, class_sessions.cancelled_at, class_sessions.cancel_reason, class_sessions.created_at, bookings.id AS id_1, bookings.organization_id AS organization_id_1, bookings.session_id, bookings.member_id, bookings.status AS status_1, bookings.starts_at AS starts_at_1, bookings.hold_expires_at, bookings.offered, bookings.booked_by_user_id, bookings.confirmed_at, bookings.ended_at, bookings.refund_percent, bookings.cancel_tier_hours, bookings.waived_reason, bookings.strike_at, bookings.checked_in_at, bookings.checked_in_late, bookings.created_at AS created_at_1, EXISTS (SELECT waitlist_entries.id
FROM waitlist_entries
WHERE waitlist_entries.organization_id = :o_id::UUID AND waitlist_entries.member_id = :o_id_1::UUID AND waitlist_entries.status IN ('waiting'::VARCHAR, 'offered'::VARCHAR)) AS waiting, EXISTS (SELECT bookings.id
FROM bookings
WHERE bookings.session_id = class_sessions.id AND bookings.status = 'held'::VARCHAR AND bookings.hold_expires_at <= :now::TIMESTAMP WITH TIME ZONE) AS lapsed
FROM class_sessions LEFT OUTER JOIN bookings ON bookings.session_id = class_sessions.id AND bookings.member_id = :o_id_1::UUID AND bookings.status IN ('held'::VARCHAR, 'confirmed'::VARCHAR, 'attended'::VARCHAR, 'no_show'::VARCHAR)
WHERE class_sessions.organization_id = :o_id::UUID AND class_sessions.id = :session_id::UUID \gset s_
-- memberships.coverage.usable_for_class: the member's covering memberships, locked, each
-- with whether it has freezes (it has none, so they are not read)
SELECT memberships.id, memberships.organization_id, memberships.member_id, memberships.plan_id, memberships.kind, memberships.name, memberships.status, memberships.valid_from, memberships.valid_until, memberships.cancel_at, memberships.cancel_requested_at, memberships.weekly_class_cap, memberships.class_allowance, memberships.classes_used, memberships.class_type_ids, memberships.source_type, memberships.source_id, memberships.subscription_id, memberships.expiry_warned_at, memberships.created_at, EXISTS (SELECT membership_freezes.id
FROM membership_freezes
WHERE membership_freezes.membership_id = memberships.id) AS has_freezes
FROM memberships
WHERE memberships.organization_id = :o_id::UUID AND memberships.member_id = :o_id_1::UUID AND memberships.valid_from <= :s_starts_at::TIMESTAMP WITH TIME ZONE AND memberships.valid_until > :s_starts_at::TIMESTAMP WITH TIME ZONE AND (memberships.cancel_at IS NULL OR memberships.cancel_at > :s_starts_at::TIMESTAMP WITH TIME ZONE) ORDER BY memberships.id FOR UPDATE \gset ms_
-- memberships.coverage.record_use
\set used :ms_classes_used + 1
UPDATE memberships SET classes_used=:used::INTEGER WHERE memberships.id = :ms_id::UUID;
-- entitlements.repository.add: the charge (for a new booking id: no source lock or look-up)
INSERT INTO entitlement_charges (id, organization_id, member_id, source_type, source_id, method, membership_id, credit_units, class_type_id, session_starts_at, refunded_percent, refunded_at, released_at, created_at) VALUES (:charge_id::UUID, :o_id::UUID, :o_id_1::UUID, 'booking'::VARCHAR, :booking_id::VARCHAR, 'membership'::VARCHAR, :ms_id::UUID, NULL::INTEGER, :s_class_type_id::UUID, :s_starts_at::TIMESTAMP WITH TIME ZONE, NULL::INTEGER, NULL::TIMESTAMP WITH TIME ZONE, NULL::TIMESTAMP WITH TIME ZONE, :now::TIMESTAMP WITH TIME ZONE);
-- bookings.spots.take: the spot, confirmed (the count_spots trigger moves
-- class_sessions.taken, whose trigger queues a notice in live_outbox for the relay).
-- The member waits on no waitlist, so bookings.waitlist.settle sends nothing.
INSERT INTO bookings (id, organization_id, session_id, member_id, status, starts_at, hold_expires_at, offered, booked_by_user_id, confirmed_at, ended_at, refund_percent, cancel_tier_hours, waived_reason, strike_at, checked_in_at, checked_in_late, created_at) VALUES (:booking_id::UUID, :o_id::UUID, :session_id::UUID, :o_id_1::UUID, 'confirmed'::VARCHAR, :s_starts_at::TIMESTAMP WITH TIME ZONE, :hold_expires_at::TIMESTAMP WITH TIME ZONE, false, :user_id::UUID, :now::TIMESTAMP WITH TIME ZONE, NULL::TIMESTAMP WITH TIME ZONE, NULL::INTEGER, NULL::INTEGER, NULL::VARCHAR, NULL::TIMESTAMP WITH TIME ZONE, NULL::TIMESTAMP WITH TIME ZONE, NULL, :now::TIMESTAMP WITH TIME ZONE);
COMMIT;
