"""Every query of the identity domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from fitflow.auth.models import (
    LoginThrottle,
    PasswordResetToken,
    RefreshToken,
    TokenFamily,
    User,
)
from fitflow.members.models import Member
from fitflow.organizations.models import Organization, StaffMember


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.email == email))
    return user


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def user_for_update(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    user: User | None = await session.scalar(
        select(User).where(User.id == user_id).with_for_update()
    )
    return user


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def user_of_live_family(
    session: AsyncSession, *, user_id: uuid.UUID, family_id: uuid.UUID
) -> User | None:
    """The active user behind an access token, if its login has not been revoked."""
    user: User | None = await session.scalar(
        select(User)
        .join(TokenFamily, TokenFamily.user_id == User.id)
        .where(
            TokenFamily.id == family_id,
            User.id == user_id,
            TokenFamily.revoked_at.is_(None),
            User.is_active.is_(True),
        )
    )
    return user


def _login_in_studio_query() -> Select[*tuple[Any, ...]]:
    user_id: BindParameter[Any] = bindparam("user_id")
    family_id: BindParameter[Any] = bindparam("family_id")
    live = (
        select(TokenFamily.id)
        .join(User, User.id == TokenFamily.user_id)
        .where(
            TokenFamily.id == family_id,
            User.id == user_id,
            TokenFamily.revoked_at.is_(None),
            User.is_active.is_(True),
        )
        .exists()
    )
    staff_role = (
        select(StaffMember.role)
        .where(StaffMember.organization_id == Organization.id, StaffMember.user_id == user_id)
        .scalar_subquery()
    )
    member = and_(Member.organization_id == Organization.id, Member.user_id == user_id)
    return (
        select(Organization, live.label("live"), staff_role.label("staff_role"))
        .add_columns(Member.id, Member.status)
        .outerjoin(Member, member)
        .where(Organization.slug == bindparam("slug"))
    )


_LOGIN_IN_STUDIO = _login_in_studio_query()  # built once: every studio request runs it


async def login_in_studio(
    session: AsyncSession, *, slug: str, user_id: uuid.UUID, family_id: uuid.UUID
) -> Row[Any] | None:
    """In one round trip: the studio with this slug, whether the login is live (as in
    `user_of_live_family`), and the user's member record (id, status) and staff role
    there. None when no studio has the slug."""
    params = {"slug": slug, "user_id": user_id, "family_id": family_id}
    row: Row[Any] | None = (await session.execute(_LOGIN_IN_STUDIO, params)).first()
    return row


async def add_family(session: AsyncSession, user_id: uuid.UUID) -> TokenFamily:
    family = TokenFamily(user_id=user_id)
    session.add(family)
    await session.flush()
    return family


async def add_refresh_token(
    session: AsyncSession, *, family_id: uuid.UUID, token_hash: str, expires_at: datetime
) -> None:
    session.add(RefreshToken(family_id=family_id, token_hash=token_hash, expires_at=expires_at))
    await session.flush()


async def refresh_token_for_update(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The token with its family and user, the token row locked so that two refreshes of
    one token are serialised and the second is seen as reuse."""
    token: RefreshToken | None = await session.scalar(
        select(RefreshToken)
        .options(joinedload(RefreshToken.family).joinedload(TokenFamily.user))
        .where(RefreshToken.token_hash == token_hash)
        .with_for_update(of=RefreshToken)
    )
    return token


async def revoke_families(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    reason: str,
    now: datetime,
    family_id: uuid.UUID | None = None,
) -> None:
    """Revoke one family of the user, or every live one when `family_id` is None."""
    statement = (
        update(TokenFamily)
        .where(TokenFamily.user_id == user_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if family_id is not None:
        statement = statement.where(TokenFamily.id == family_id)
    await session.execute(statement)


async def family_owner(
    session: AsyncSession, token_hash: str
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(family id, user id) of a refresh token, whatever its state."""
    row = (
        await session.execute(
            select(TokenFamily.id, TokenFamily.user_id)
            .join(RefreshToken, RefreshToken.family_id == TokenFamily.id)
            .where(RefreshToken.token_hash == token_hash)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def try_lock_login(session: AsyncSession, email: str) -> bool:
    """Take the email's login lock until the transaction ends, without waiting: one
    attempt at a time sees the failures counted before it, so a burst cannot outrun the
    lockout, and the others are refused at once instead of holding connections."""
    acquired = await session.scalar(
        select(func.pg_try_advisory_xact_lock(func.hashtextextended(f"login\x1f{email}", 0)))
    )
    return bool(acquired)


async def throttle(session: AsyncSession, email: str) -> LoginThrottle | None:
    return await session.get(LoginThrottle, email, populate_existing=True)


async def count_failure(
    session: AsyncSession, *, email: str, now: datetime, streak_start: datetime
) -> LoginThrottle:
    """Add one failure to the email's streak atomically (a streak whose last failure is
    older than `streak_start` starts again) and return the updated row."""
    continues = LoginThrottle.last_failure_at >= streak_start
    statement = (
        insert(LoginThrottle)
        .values(email=email, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.email],
            set_={
                "failures": case((continues, LoginThrottle.failures + 1), else_=1),
                "last_failure_at": now,
            },
        )
        .returning(LoginThrottle)
    )
    row: LoginThrottle = (
        await session.scalars(statement, execution_options={"populate_existing": True})
    ).one()
    return row


async def clear_throttle(session: AsyncSession, email: str) -> None:
    throttle_row = await session.get(LoginThrottle, email)
    if throttle_row is not None:
        await session.delete(throttle_row)
        await session.flush()


async def add_reset_token(
    session: AsyncSession, *, user_id: uuid.UUID, token_hash: str, expires_at: datetime
) -> None:
    session.add(PasswordResetToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at))
    await session.flush()


async def reset_token_for_update(
    session: AsyncSession, token_hash: str
) -> PasswordResetToken | None:
    token: PasswordResetToken | None = await session.scalar(
        select(PasswordResetToken)
        .where(PasswordResetToken.token_hash == token_hash)
        .with_for_update()
    )
    return token


async def expire_reset_tokens(session: AsyncSession, *, user_id: uuid.UUID, now: datetime) -> None:
    """Spend every other outstanding reset link of the user."""
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )


async def purge_expired(session: AsyncSession, *, now: datetime, streak_start: datetime) -> None:
    """Remove what can no longer be used: expired refresh and reset tokens, logins
    revoked or expired, and failure streaks that ended."""
    await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at < now))
    await session.execute(
        delete(TokenFamily).where(
            ~TokenFamily.id.in_(select(RefreshToken.family_id)),
        )
    )
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < streak_start,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
