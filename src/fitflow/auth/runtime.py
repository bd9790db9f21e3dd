"""What the identity use cases need besides the database: settings, the signing key and
the password hasher, built once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fitflow.auth.passwords import PasswordHasher
from fitflow.config import Settings


@dataclass(frozen=True)
class AuthRuntime:
    settings: Settings
    signing_key: str
    hasher: PasswordHasher

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthRuntime:
        return cls(settings, settings.signing_key(), PasswordHasher(settings.auth))

    @property
    def access_lifetime(self) -> timedelta:
        return timedelta(seconds=self.settings.auth.access_token_seconds)

    @property
    def refresh_lifetime(self) -> timedelta:
        return timedelta(seconds=self.settings.auth.refresh_token_seconds)

    @property
    def reset_lifetime(self) -> timedelta:
        return timedelta(seconds=self.settings.auth.password_reset_seconds)
