"""The demo studio: an owner, an admin, two trainers, a receptionist and thirty members,
with a catalog and members holding each kind of plan (`demo_catalog`) and a week of
classes, bookings and check-ins (`demo_week`), seeded idempotently (running it again
changes nothing)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth import service as auth
from fitflow.auth.models import User
from fitflow.auth.runtime import AuthRuntime
from fitflow.demo_catalog import desk_actor, seed_catalog, seed_schedule_catalog
from fitflow.demo_week import seed_week
from fitflow.members import service as members
from fitflow.members.errors import AlreadyMember
from fitflow.organizations import service as organizations
from fitflow.organizations.errors import AlreadyStaff
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor, Role
from fitflow.organizations.schemas import OrganizationCreate

SLUG = "demo"
PASSWORD = "fitflow-demo-studio"  # noqa: S105 - printed for the demo on purpose
DOMAIN = "demo.fitflow.app"
STAFF = [
    ("owner", "Olivia Owner", Role.owner),
    ("admin", "Adam Admin", Role.admin),
    ("trainer1", "Tara Trainer", Role.trainer),
    ("trainer2", "Theo Trainer", Role.trainer),
    ("desk", "Rita Reception", Role.receptionist),
]
FIRST_NAMES = ["Mia", "Noah", "Emma", "Liam", "Sofia", "Lukas", "Hannah", "Ben", "Lea", "Elias"]
LAST_NAMES = ["Becker", "Schulz", "Wagner"]
MEMBER_COUNT = 30


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    full_name: str


def member_logins() -> list[DemoLogin]:
    names = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES]
    return [
        DemoLogin("member", f"member{i + 1:02d}@{DOMAIN}", name)
        for i, name in enumerate(names[:MEMBER_COUNT])
    ]


def staff_logins() -> list[DemoLogin]:
    return [DemoLogin(role.value, f"{local}@{DOMAIN}", name) for local, name, role in STAFF]


async def seed(session: AsyncSession, rt: AuthRuntime) -> list[DemoLogin]:
    """Create whatever of the demo studio is missing; returns every login."""
    owner_login, *other_staff = staff_logins()
    owner = await _user(session, rt, owner_login)
    studio = await _studio(session, owner)
    studio_id = studio.id
    owner_actor = Actor(owner.id, studio_id, frozenset({Role.owner}))
    staff = {}
    for login in other_staff:
        user = staff[login.email] = await _user(session, rt, login)
        with contextlib.suppress(AlreadyStaff):
            await organizations.add_staff(
                session, owner_actor, email=user.email, role=Role(login.role)
            )
    member_ids, member_users = [], []
    for login in member_logins():
        user = await _user(session, rt, login)
        member_users.append(user.id)
        with contextlib.suppress(AlreadyMember):
            await members.join(session, user, studio_id)
        member_ids.append(await members.own_member_id(session, Actor(user.id, studio_id)))
    desk = desk_actor(staff[f"desk@{DOMAIN}"].id, studio_id)
    await seed_schedule_catalog(session, owner_actor, studio)
    await seed_catalog(session, owner_actor, desk, studio, member_ids)
    trainers = [
        await organizations.own_staff_id(session, Actor(staff[f"{name}@{DOMAIN}"].id, studio_id))
        for name in ("trainer1", "trainer2")
    ]
    await seed_week(session, owner_actor, studio, [t for t in trainers if t], member_users)
    return [owner_login, *other_staff, *member_logins()]


async def _studio(session: AsyncSession, owner: User) -> Organization:
    studio = await organizations.by_slug(session, SLUG)
    if studio is None:
        await organizations.create_organization(
            session,
            owner,
            OrganizationCreate(
                name="FitFlow Demo Studio", slug=SLUG, timezone="Europe/Berlin", currency="EUR"
            ),
        )
        studio = await organizations.by_slug(session, SLUG)
    if studio is None:
        raise RuntimeError("the demo studio was not created")
    return studio


async def _user(session: AsyncSession, rt: AuthRuntime, login: DemoLogin) -> User:
    return await auth.ensure_user(
        session, rt, email=login.email, full_name=login.full_name, password=PASSWORD
    )
