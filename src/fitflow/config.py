"""FitFlow's settings: one `Settings` object read from `FITFLOW_*` environment variables.

Nested groups use a double underscore (`FITFLOW_SMTP__HOST`). Every limit, lifetime and
interval lives here so operators can tune it and test suites can shorten it;
`docs/configuration.md` documents each one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import uuid
from enum import StrEnum
from pathlib import Path

from limits import parse_many
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    testing = "testing"
    production = "production"


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    public_url: str | None = None
    """Base URL people reach the service at (links in emails); defaults to http://host:port."""
    forwarded_allow_ips: str = "127.0.0.1"
    """Proxies whose X-Forwarded-For is trusted for the client address (uvicorn's option)."""
    keep_alive_seconds: int = Field(5, ge=1)
    """How long an idle keep-alive connection stays open; keep it above the load
    balancer's idle timeout, so the server never closes a connection it is reusing."""
    schedule_pages_cached: int = Field(256, ge=0)
    """Schedule list pages each API process keeps to serve again while unchanged (about
    80 KB for a 200-session page); 0 keeps none."""


class DatabaseSettings(BaseModel):
    pool_size: int = Field(4, ge=1)
    max_overflow: int = Field(4, ge=0)
    pool_timeout_seconds: float = Field(10.0, gt=0)
    pool_recycle_seconds: int = Field(1800, ge=1)
    """Pooled connections older than this are replaced when next checked out, before a
    server or proxy idle limit can cut them."""
    statement_timeout_ms: int = Field(15_000, ge=0)


class AuthSettings(BaseModel):
    access_token_seconds: int = Field(900, ge=1)
    refresh_token_seconds: int = Field(30 * 24 * 3600, ge=1)
    password_reset_seconds: int = Field(3600, ge=1)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)
    max_concurrent_hashes: int = Field(2, ge=1)
    """How many password hashes run at once; more requests wait, so a login flood cannot
    starve the CPU the rest of the service needs."""


class LockoutSettings(BaseModel):
    """Progressive lockout of one login (email) after repeated failures."""

    threshold: int = Field(5, ge=1)
    """Failures in a row before the first lock."""
    base_seconds: int = Field(60, ge=1)
    """Length of the first lock; each further failure doubles it."""
    max_seconds: int = Field(3600, ge=1)
    forget_after_seconds: int = Field(24 * 3600, ge=1)
    """A failure streak older than this starts again from zero."""


class RateLimitSettings(BaseModel):
    """Per client address limits, in the `limits` notation ("10/minute", "5 per hour")."""

    login: str = "20/minute"
    registration: str = "10/minute"
    password_reset: str = "5/minute"  # noqa: S105 - a rate, not a password
    holds: str = "5/minute"
    """New holds (and one-step bookings) per member and studio, across API processes."""

    @field_validator("*")
    @classmethod
    def _one_valid_limit(cls, value: str) -> str:
        """Refuse at start-up what `limits` could not parse at the first request."""
        try:
            parsed = parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '10/minute'") from exc
        if len(parsed) != 1:
            raise ValueError(f"{value!r}: give exactly one limit")
        return value


class IdempotencySettings(BaseModel):
    ttl_seconds: int = Field(24 * 3600, ge=1)


class JobSettings(BaseModel):
    in_process: bool | None = None
    """Run the job worker inside the web process. Unset: yes for the embedded database,
    no when FITFLOW_DATABASE_URL points at a server (run `fitflow worker` there)."""
    concurrency: int = Field(4, ge=1)
    purge_cron: str = "*/15 * * * *"
    """When expired idempotency keys, reset tokens and refresh tokens are removed."""
    credit_expiry_cron: str = "*/10 * * * *"
    """When credit lots past their expiry get their expiry entry written (balances do not
    wait for it: an expired lot stops counting at its expiry instant)."""
    schedule_cron: str = "7 * * * *"
    """When recurring schedules write their sessions ahead."""
    schedule_weeks_ahead: int = Field(8, ge=1, le=104)
    """How far ahead recurring schedules have their sessions written."""
    hold_sweep_cron: str = "* * * * * */10"
    """When lapsed holds and waitlist offers are marked expired and their spots offered
    to the waitlist (seconds are the sixth field). A hold stops counting at its expiry
    instant whether or not this ran."""
    no_show_cron: str = "*/5 * * * *"
    """When confirmed bookings past start + check-in grace become no-shows."""
    subscription_grace_cron: str = "*/15 * * * *"
    """When subscriptions whose renewal is still unpaid at the end of the grace period
    are suspended."""
    membership_tidy_cron: str = "*/15 * * * *"
    """When ended memberships get their recorded status updated and members whose
    membership ends soon are warned (coverage never waits for it)."""


class LiveSettings(BaseModel):
    relay_interval_seconds: float = Field(0.2, gt=0, le=10)
    """How often an API process's relay sends the availability changes committed since
    its last turn (the delay a live stream may add to a change)."""


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    use_tls: bool = False
    start_tls: bool = False
    timeout_seconds: float = Field(10.0, gt=0)
    from_address: str = "FitFlow <no-reply@fitflow.localhost>"


class NotificationSettings(BaseModel):
    transport: str | None = Field(None, pattern="^(smtp|outbox)$")
    """`smtp` sends mail; `outbox` keeps it in the database to read at /dev/outbox.
    Unset: smtp in production, outbox otherwise."""
    max_retries: int = Field(8, ge=0)
    """How often a failed email delivery is retried."""
    retention_days: int = Field(30, ge=1)
    """Sent, kept and failed emails older than this are removed by the purge job."""
    membership_expiry_warning_days: int = Field(7, ge=1, le=60)
    """How many days before a membership ends its member is told."""
    retry_base_seconds: int = Field(3, ge=1)
    """Retry n waits retry_base_seconds ** n seconds (3, 9, 27, ... about 2.7 hours for
    eight retries with the defaults)."""


class StudioStripeAccount(BaseModel):
    """A studio's own Stripe account: its secret key and the signing secret of the
    webhook endpoint added for FitFlow in that account."""

    secret_key: SecretStr
    webhook_secret: SecretStr


class StripeSettings(BaseModel):
    """The platform's Stripe account, and the studios that bring their own. Without a
    secret key online checkout is off (409 `online_payments_unavailable`) and desk
    payments work as before."""

    secret_key: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    """The signing secret of the webhook endpoint (`whsec_...`); events are refused
    without it."""
    api_base: str | None = None
    """Another address for Stripe's API (a local stand-in in tests); unset: Stripe's own."""
    webhook_tolerance_seconds: int = Field(300, ge=1)
    """How old a signed webhook timestamp may be."""
    checkout_minutes: int = Field(30, ge=30, le=24 * 60)
    """How long a Checkout Session stays open (Stripe's minimum is 30 minutes)."""
    timeout_seconds: float = Field(20.0, gt=0)
    studio_accounts: dict[uuid.UUID, StudioStripeAccount] = Field(default_factory=dict)
    """Studios with their own Stripe account, by studio id: their checkouts, refunds and
    subscriptions use its key, and its events arrive at /api/v1/webhooks/stripe/{id}."""

    @property
    def enabled(self) -> bool:
        return self.secret_key is not None and bool(self.secret_key.get_secret_value())

    def for_studio(self, organization_id: uuid.UUID | None) -> StripeSettings:
        """The settings a studio's payments use: its own account's keys if it has one."""
        account = self.studio_accounts.get(organization_id) if organization_id else None
        if account is None:
            return self
        return self.model_copy(
            update={"secret_key": account.secret_key, "webhook_secret": account.webhook_secret}
        )


class LogSettings(BaseModel):
    level: str = "INFO"
    json_format: bool = True


class MetricsSettings(BaseModel):
    token: SecretStr | None = None
    """When set, /metrics requires `Authorization: Bearer <token>`."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FITFLOW_", env_nested_delimiter="__", extra="ignore", env_file=None
    )

    env: Environment = Environment.development
    database_url: str | None = None
    """A PostgreSQL URL (postgresql://...). Unset: the embedded server under data_dir."""
    redis_url: str | None = None
    """Optional: shared rate-limit storage for several API processes."""
    secret_key: SecretStr | None = None
    data_dir: Path = Path(".data")

    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    lockout: LockoutSettings = LockoutSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    idempotency: IdempotencySettings = IdempotencySettings()
    jobs: JobSettings = JobSettings()
    live: LiveSettings = LiveSettings()
    smtp: SmtpSettings = SmtpSettings()
    notifications: NotificationSettings = NotificationSettings()
    stripe: StripeSettings = StripeSettings()
    log: LogSettings = LogSettings()
    metrics: MetricsSettings = MetricsSettings()

    @model_validator(mode="after")
    def _secret_required_outside_development(self) -> Settings:
        """A given secret must be strong in every environment; only development may
        leave it out (and gets one generated under data_dir)."""
        missing_allowed = self.env is Environment.development and self.secret_key is None
        if not missing_allowed and not _usable_secret(self.secret_key):
            raise ValueError(
                f"FITFLOW_SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} "
                f"characters (and no placeholder) when FITFLOW_ENV={self.env.value}"
            )
        if self.env is Environment.production and not self.server.public_url:
            raise ValueError(
                "FITFLOW_SERVER__PUBLIC_URL must be set in production: links in emails use it"
            )
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def run_worker_in_process(self) -> bool:
        if self.jobs.in_process is not None:
            return self.jobs.in_process
        return self.uses_embedded_database

    @property
    def mail_transport(self) -> str:
        if self.notifications.transport:
            return self.notifications.transport
        return "smtp" if self.env is Environment.production else "outbox"

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    def signing_key(self) -> str:
        """The key that signs tokens. In development a missing one is generated once and
        kept under data_dir, so the demo keeps its logins across restarts."""
        if self.secret_key is not None and _usable_secret(self.secret_key):
            return self.secret_key.get_secret_value()
        return _load_or_create_secret(self.data_dir / "secret_key")


def _usable_secret(value: SecretStr | None) -> bool:
    if value is None:
        return False
    raw = value.get_secret_value()
    return raw.lower() not in PLACEHOLDER_SECRETS and len(raw) >= MIN_SECRET_LENGTH


def _load_or_create_secret(path: Path) -> str:
    """Read the generated secret, creating it first if needed. It is written to a private
    temporary file and linked into place, so concurrent first starts agree on one secret
    and never read a half-written one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        os.unlink(temporary)
    return path.read_text().strip()


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    global _settings  # noqa: PLW0603 - one configuration per process
    if _settings is None:
        _settings = Settings()
    return _settings


def use_settings(settings: Settings | None) -> None:
    """Replace the process's settings (the CLI after resolving the database, tests)."""
    global _settings  # noqa: PLW0603 - one configuration per process
    _settings = settings
