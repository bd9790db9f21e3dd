"""Identity use cases: register, log in, refresh, log out, reset a password, deactivate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.auth import repository, tokens
from fitflow.auth.errors import (
    AccountDeactivated,
    EmailTaken,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    LoginInProgress,
    LoginLocked,
    RefreshTokenReused,
    UserNotFound,
)
from fitflow.auth.models import LoginThrottle, User
from fitflow.auth.runtime import AuthRuntime
from fitflow.auth.schemas import TokenPair
from fitflow.config import LockoutSettings
from fitflow.kit import time
from fitflow.kit.errors import AppError, PermissionDenied
from fitflow.kit.metrics import counter
from fitflow.notifications import service as notifications
from fitflow.organizations.models import Organization

LOGINS = counter("logins", "Login attempts by outcome.", ("outcome",))
REFRESH_TOKEN_REUSE = counter(
    "refresh_token_reuse", "Spent refresh tokens presented again (their login is revoked)."
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the user and the login (token family) they act under."""

    user: User
    family_id: uuid.UUID


@dataclass(frozen=True)
class StudioLogin:
    """A live login acting in a studio: the studio, the user's roles there (staff role
    and `member` for an active membership) and their member record, if any."""

    organization: Organization
    user_id: uuid.UUID
    roles: frozenset[str]
    member_id: uuid.UUID | None


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def register(
    session: AsyncSession, rt: AuthRuntime, *, email: str, password: str, full_name: str
) -> User:
    email = normalize_email(email)
    if await repository.user_by_email(session, email) is not None:
        raise EmailTaken()
    password_hash = await rt.hasher.hash(password)
    user = User(email=email, full_name=full_name, password_hash=password_hash)
    try:
        async with session.begin_nested():
            await repository.add_user(session, user)
    except IntegrityError as exc:  # a concurrent registration of the same email won
        raise EmailTaken() from exc
    await audit.record(
        session, "auth.registered", actor_user_id=user.id, subject_type="user", subject_id=user.id
    )
    return user


async def login(session: AsyncSession, rt: AuthRuntime, *, email: str, password: str) -> TokenPair:
    """Check the credentials and start a new token family (a new login)."""
    email, now = normalize_email(email), time.now()
    user = await _checked_user(session, rt, email=email, password=password, now=now)
    await repository.clear_throttle(session, email)
    family = await repository.add_family(session, user.id)
    LOGINS.labels("success").inc()
    return await _issue_pair(session, rt, user_id=user.id, family_id=family.id, now=now)


async def _checked_user(
    session: AsyncSession, rt: AuthRuntime, *, email: str, password: str, now: datetime
) -> User:
    """The active account with these credentials. The password check costs the same for
    unknown emails; failures are counted per email and lock progressively. Takes the
    email's advisory lock for the transaction: a concurrent attempt is refused."""
    if not await repository.try_lock_login(session, email):
        raise _refused("in_progress", LoginInProgress(retry_after=1))
    throttle = await repository.throttle(session, email)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        retry_after = _seconds_until(throttle.locked_until, now)
        raise _refused("locked", LoginLocked(retry_after=retry_after))
    user = await repository.user_by_email(session, email)
    verified = await rt.hasher.verify(password, user.password_hash if user else None)
    if not verified or user is None:
        await _count_failure(session, rt.settings.lockout, email=email, user=user, now=now)
        raise _refused("invalid_credentials", InvalidCredentials())
    if not user.is_active:
        raise _refused("deactivated", AccountDeactivated())
    return user


def _refused(outcome: str, error: AppError) -> AppError:
    LOGINS.labels(outcome).inc()
    return error


async def _count_failure(
    session: AsyncSession, lockout: LockoutSettings, *, email: str, user: User | None, now: datetime
) -> None:
    streak_start = now - timedelta(seconds=lockout.forget_after_seconds)
    throttle = await repository.count_failure(
        session, email=email, now=now, streak_start=streak_start
    )
    throttle.locked_until = _lock_until(throttle, lockout, now)
    user_id = user.id if user else None
    await audit.record(
        session,
        "auth.login_failed",
        actor_user_id=user_id,
        subject_type="login",
        subject_id=email,
        data={"failures": throttle.failures},
    )
    if throttle.locked_until is not None and throttle.locked_until > now:
        await audit.record(
            session,
            "auth.login_locked",
            actor_user_id=user_id,
            subject_type="login",
            subject_id=email,
            data={"locked_until": throttle.locked_until.isoformat()},
        )
    await session.flush()


def _lock_until(
    throttle: LoginThrottle, lockout: LockoutSettings, now: datetime
) -> datetime | None:
    """Locked for base_seconds at the threshold, doubling with each further failure."""
    beyond = throttle.failures - lockout.threshold
    if beyond < 0:
        return None
    seconds = min(lockout.base_seconds * 2 ** min(beyond, 30), lockout.max_seconds)
    return now + timedelta(seconds=seconds)


def _seconds_until(at: datetime, now: datetime) -> int:
    return max(1, int((at - now).total_seconds() + 0.999))


async def _issue_pair(
    session: AsyncSession,
    rt: AuthRuntime,
    *,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    now: datetime,
) -> TokenPair:
    raw, token_hash = tokens.new_opaque_token()
    await repository.add_refresh_token(
        session, family_id=family_id, token_hash=token_hash, expires_at=now + rt.refresh_lifetime
    )
    access = tokens.issue_access_token(
        user_id=user_id,
        family_id=family_id,
        now=now,
        lifetime=rt.access_lifetime,
        key=rt.signing_key,
    )
    return TokenPair(
        access_token=access, refresh_token=raw, expires_in=int(rt.access_lifetime.total_seconds())
    )


async def refresh(session: AsyncSession, rt: AuthRuntime, *, refresh_token: str) -> TokenPair:
    """Spend a refresh token for a new pair. A spent token presented again means it was
    stolen or replayed: the whole family is revoked (takes the token row's lock)."""
    now = time.now()
    token = await repository.refresh_token_for_update(
        session, tokens.hash_opaque_token(refresh_token)
    )
    if token is None or token.family.revoked_at is not None:
        raise InvalidRefreshToken()
    user = token.family.user
    if token.used_at is not None:
        await repository.revoke_families(
            session, user_id=user.id, family_id=token.family_id, reason="reuse", now=now
        )
        REFRESH_TOKEN_REUSE.inc()
        await audit.record(
            session,
            "auth.refresh_token_reused",
            actor_user_id=user.id,
            subject_type="token_family",
            subject_id=token.family_id,
        )
        raise RefreshTokenReused()
    if token.expires_at <= now or not user.is_active:
        raise InvalidRefreshToken()
    token.used_at = now
    return await _issue_pair(session, rt, user_id=user.id, family_id=token.family_id, now=now)


async def logout(session: AsyncSession, principal: Principal, *, refresh_token: str) -> None:
    """End the caller's login, and the login of the given refresh token if it is theirs."""
    now, user_id = time.now(), principal.user.id
    families = {principal.family_id}
    owner = await repository.family_owner(session, tokens.hash_opaque_token(refresh_token))
    if owner is not None and owner[1] == user_id:
        families.add(owner[0])
    for family_id in families:
        await repository.revoke_families(
            session, user_id=user_id, family_id=family_id, reason="logout", now=now
        )
    await audit.record(session, "auth.logged_out", actor_user_id=user_id)


async def authenticate(session: AsyncSession, rt: AuthRuntime, access_token: str) -> Principal:
    """The caller behind an access token; revoked logins and deactivated users fail."""
    claims = access_claims(rt, access_token)
    user = await repository.user_of_live_family(
        session, user_id=claims.user_id, family_id=claims.family_id
    )
    if user is None:
        raise InvalidAccessToken()
    return Principal(user=user, family_id=claims.family_id)


def access_claims(rt: AuthRuntime, access_token: str) -> tokens.AccessClaims:
    """The claims of a well-signed, unexpired access token (raises `InvalidAccessToken`);
    whether its login is still live is the database's to say."""
    return tokens.decode_access_token(access_token, key=rt.signing_key, now=time.now())


async def login_in_studio(
    session: AsyncSession, claims: tokens.AccessClaims, slug: str
) -> StudioLogin | None:
    """The caller behind `claims` in the studio `slug`, in one query; None when no studio
    has the slug. Revoked logins and deactivated users fail as in `authenticate`."""
    row = await repository.login_in_studio(
        session, slug=slug, user_id=claims.user_id, family_id=claims.family_id
    )
    if row is None:
        return None
    organization, live, staff_role, member_id, member_status = tuple(row)
    if not live:
        raise InvalidAccessToken()
    roles = {staff_role} if staff_role else set()
    if member_status == "active":
        roles.add("member")
    return StudioLogin(organization, claims.user_id, frozenset(roles), member_id)


async def request_password_reset(session: AsyncSession, rt: AuthRuntime, *, email: str) -> None:
    """Mail a single-use reset link if an active account has this email; say nothing
    either way."""
    user = await repository.user_by_email(session, normalize_email(email))
    if user is None or not user.is_active:
        return
    raw, token_hash = tokens.new_opaque_token()
    await repository.add_reset_token(
        session, user_id=user.id, token_hash=token_hash, expires_at=time.now() + rt.reset_lifetime
    )
    link = f"{rt.settings.public_url}/reset-password?token={raw}"
    minutes = int(rt.reset_lifetime.total_seconds() // 60)
    await notifications.queue_email(
        session,
        to=user.email,
        subject="Reset your FitFlow password",
        body=(
            f"Hello {user.full_name},\n\nSomeone asked to reset the password of your FitFlow "
            f"account. To choose a new one, open this link within {minutes} minutes:\n\n"
            f"{link}\n\nIf it was not you, ignore this email; your password stays as it is.\n"
        ),
    )
    await audit.record(
        session,
        "auth.password_reset_requested",
        actor_user_id=user.id,
        subject_type="user",
        subject_id=user.id,
    )


async def confirm_password_reset(
    session: AsyncSession, rt: AuthRuntime, *, token: str, new_password: str
) -> None:
    """Set the new password, spend the link and end every login of the account."""
    now = time.now()
    reset = await repository.reset_token_for_update(session, tokens.hash_opaque_token(token))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidResetToken()
    user = await repository.user_for_update(session, reset.user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken()
    user.password_hash = await rt.hasher.hash(new_password)
    await repository.expire_reset_tokens(session, user_id=user.id, now=now)
    await repository.revoke_families(session, user_id=user.id, reason="password_reset", now=now)
    await repository.clear_throttle(session, user.email)
    await audit.record(
        session,
        "auth.password_reset",
        actor_user_id=user.id,
        subject_type="user",
        subject_id=user.id,
    )


async def set_active(
    session: AsyncSession, operator: User, *, user_id: uuid.UUID, active: bool
) -> User:
    """Platform operators deactivate or reactivate an account; deactivation ends every
    login at once."""
    if not operator.is_superuser:
        raise PermissionDenied()
    user = await repository.user_for_update(session, user_id)
    if user is None:
        raise UserNotFound()
    now = time.now()
    user.is_active, user.deactivated_at = active, (None if active else now)
    if not active:
        await repository.revoke_families(session, user_id=user.id, reason="deactivated", now=now)
    action = "auth.user_reactivated" if active else "auth.user_deactivated"
    await audit.record(
        session, action, actor_user_id=operator.id, subject_type="user", subject_id=user.id
    )
    await session.flush()
    return user


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await repository.user_by_email(session, normalize_email(email))


async def purge_expired(session: AsyncSession, lockout: LockoutSettings) -> None:
    now = time.now()
    await repository.purge_expired(
        session, now=now, streak_start=now - timedelta(seconds=lockout.forget_after_seconds)
    )


async def ensure_user(
    session: AsyncSession,
    rt: AuthRuntime,
    *,
    email: str,
    full_name: str,
    password: str,
    superuser: bool = False,
) -> User:
    """The account with this email, registered first if it does not exist (operator
    commands and the demo). An existing account keeps its password."""
    user = await user_by_email(session, email)
    if user is None:
        user = await register(session, rt, email=email, password=password, full_name=full_name)
    if superuser and not user.is_superuser:
        user.is_superuser = True
        await audit.record(
            session, "auth.superuser_granted", subject_type="user", subject_id=user.id
        )
    await session.flush()
    return user


async def user_by_id(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await repository.user_by_id(session, user_id)
