"""The permission table, checked against an explicit table of who may do what (no database)."""

from __future__ import annotations

import itertools
import uuid

import pytest

from fitflow.kit.errors import PermissionDenied
from fitflow.organizations.permissions import (
    Action,
    Actor,
    Role,
    allowed,
    may_assign,
    require,
)

ADMIN_PLUS = frozenset({Role.owner, Role.admin})
TRAINER_PLUS = frozenset({Role.owner, Role.admin, Role.trainer})
STAFF = frozenset({Role.owner, Role.admin, Role.trainer, Role.receptionist})

# Each action and the roles that, held alone, allow it. A set of roles allows an action
# when any of its roles does.
GRANTED_BY: dict[Action, frozenset[Role]] = {
    Action.update_studio: ADMIN_PLUS,
    Action.list_staff: ADMIN_PLUS,
    Action.manage_staff: ADMIN_PLUS,
    Action.list_members: STAFF,
    Action.view_any_member: STAFF,
    Action.update_member: STAFF,
    Action.view_audit_log: ADMIN_PLUS,
    Action.adjust_credits: STAFF,
    Action.manage_plans: ADMIN_PLUS,
    Action.manage_memberships: STAFF,
    Action.sell_at_desk: STAFF,
    Action.view_orders: STAFF,
    Action.refund_orders: ADMIN_PLUS,
    Action.view_invoices: STAFF,
    Action.view_revenue: ADMIN_PLUS,
    Action.manage_schedule: ADMIN_PLUS,
    Action.schedule_sessions: TRAINER_PLUS,
    Action.view_attendees: TRAINER_PLUS,
    Action.book_for_members: STAFF,
    Action.manage_bookings: STAFF,
    Action.check_in: STAFF,
}

ROLE_SETS: list[frozenset[Role]] = [
    frozenset(combination)
    for size in range(len(Role) + 1)
    for combination in itertools.combinations(Role, size)
]

STUDIO = uuid.uuid4()


def actor(*roles: Role) -> Actor:
    return Actor(uuid.uuid4(), STUDIO, frozenset(roles))


def _label(roles: frozenset[Role]) -> str:
    return "+".join(sorted(roles)) or "nobody"


class TestPermissionTable:
    def test_the_expected_table_names_every_action(self) -> None:
        assert set(GRANTED_BY) == set(Action)

    @pytest.mark.parametrize("action", list(Action))
    @pytest.mark.parametrize("roles", ROLE_SETS, ids=_label)
    def test_an_action_is_allowed_exactly_when_one_of_the_roles_grants_it(
        self, action: Action, roles: frozenset[Role]
    ) -> None:
        expected = bool(roles & GRANTED_BY[action])
        assert allowed(actor(*roles), action) is expected

    @pytest.mark.parametrize("action", list(Action))
    def test_an_anonymous_actor_is_allowed_nothing(self, action: Action) -> None:
        assert not allowed(Actor(None, STUDIO), action)

    @pytest.mark.parametrize("action", list(Action))
    def test_require_refuses_with_permission_denied_naming_the_action(self, action: Action) -> None:
        with pytest.raises(PermissionDenied) as refused:
            require(actor(Role.member), action)
        assert refused.value.data == {"action": action.value}
        assert refused.value.status == 403

    @pytest.mark.parametrize("action", list(Action))
    def test_require_lets_an_owner_through(self, action: Action) -> None:
        require(actor(Role.owner), action)

    def test_a_member_who_is_also_admin_acts_as_admin(self) -> None:
        both = actor(Role.member, Role.admin)
        assert both.has(Role.admin)
        assert not both.has(Role.owner)


# may_assign: which staff role each actor may hand out (or take away).
ASSIGNABLE: dict[Role | None, frozenset[Role]] = {
    Role.owner: frozenset({Role.owner, Role.admin, Role.trainer, Role.receptionist}),
    Role.admin: frozenset({Role.trainer, Role.receptionist}),
    Role.trainer: frozenset(),
    Role.receptionist: frozenset(),
    Role.member: frozenset(),
    None: frozenset(),
}


class TestMayAssign:
    @pytest.mark.parametrize("holder", list(ASSIGNABLE), ids=lambda r: str(r or "nobody"))
    @pytest.mark.parametrize("role", list(Role))
    def test_owners_assign_every_staff_role_admins_only_those_below_admin(
        self, holder: Role | None, role: Role
    ) -> None:
        assigner = actor(holder) if holder is not None else actor()
        assert may_assign(assigner, role) is (role in ASSIGNABLE[holder])

    @pytest.mark.parametrize("holder", [Role.owner, Role.admin])
    def test_nobody_assigns_the_member_role_as_staff(self, holder: Role) -> None:
        assert not may_assign(actor(holder), Role.member)
