"""Who may do what in a studio: roles, the actor and a pure permission table.

Every service asks `require(actor, Action.X)` before acting; the API, the web UI, the
assistant and jobs all go through the same table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from fitflow.kit.errors import PermissionDenied


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    trainer = "trainer"
    receptionist = "receptionist"
    member = "member"


RANK: dict[Role, int] = {
    Role.owner: 50,
    Role.admin: 40,
    Role.trainer: 30,
    Role.receptionist: 20,
    Role.member: 10,
}
STAFF_ROLES = frozenset({Role.owner, Role.admin, Role.trainer, Role.receptionist})


class Action(StrEnum):
    update_studio = "update_studio"
    list_staff = "list_staff"
    manage_staff = "manage_staff"
    list_members = "list_members"
    view_any_member = "view_any_member"
    update_member = "update_member"
    view_audit_log = "view_audit_log"
    adjust_credits = "adjust_credits"
    manage_plans = "manage_plans"
    manage_memberships = "manage_memberships"
    sell_at_desk = "sell_at_desk"
    view_orders = "view_orders"
    refund_orders = "refund_orders"
    view_invoices = "view_invoices"
    view_revenue = "view_revenue"
    manage_schedule = "manage_schedule"
    schedule_sessions = "schedule_sessions"
    view_attendees = "view_attendees"
    book_for_members = "book_for_members"
    manage_bookings = "manage_bookings"
    check_in = "check_in"


MINIMUM_ROLE: dict[Action, Role] = {
    Action.update_studio: Role.admin,
    Action.list_staff: Role.admin,
    Action.manage_staff: Role.admin,
    Action.list_members: Role.receptionist,
    Action.view_any_member: Role.receptionist,
    Action.update_member: Role.receptionist,
    Action.view_audit_log: Role.admin,
    Action.adjust_credits: Role.receptionist,
    Action.manage_plans: Role.admin,
    Action.manage_memberships: Role.receptionist,
    Action.sell_at_desk: Role.receptionist,
    Action.view_orders: Role.receptionist,
    Action.refund_orders: Role.admin,
    Action.view_invoices: Role.receptionist,
    Action.view_revenue: Role.admin,
    Action.manage_schedule: Role.admin,
    Action.schedule_sessions: Role.trainer,
    Action.view_attendees: Role.trainer,
    Action.book_for_members: Role.receptionist,
    Action.manage_bookings: Role.receptionist,
    Action.check_in: Role.receptionist,
}


@dataclass(frozen=True)
class Actor:
    """The caller of a use case: a user (or nobody), within one studio, with their roles."""

    user_id: uuid.UUID | None
    organization_id: uuid.UUID
    roles: frozenset[Role] = frozenset()

    @property
    def rank(self) -> int:
        return max((RANK[role] for role in self.roles), default=0)

    def has(self, role: Role) -> bool:
        return self.rank >= RANK[role]


def allowed(actor: Actor, action: Action) -> bool:
    return actor.has(MINIMUM_ROLE[action])


def require(actor: Actor, action: Action) -> None:
    if not allowed(actor, action):
        raise PermissionDenied(data={"action": action.value})


def may_assign(actor: Actor, role: Role) -> bool:
    """Owners hand out any staff role; admins only the roles below their own."""
    if role not in STAFF_ROLES:
        return False
    return actor.has(Role.owner) or (actor.has(Role.admin) and RANK[role] < RANK[Role.admin])
