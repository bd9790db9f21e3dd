"""Settings: secrets outside development, nested environment variables, documentation."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from fitflow.config import Environment, Settings

ROOT = Path(__file__).resolve().parents[1]
GOOD_SECRET = "k" * 40
PUBLIC = {"public_url": "https://studio.example.com"}


class TestSecrets:
    @pytest.mark.parametrize("env", ["testing", "production"])
    @pytest.mark.parametrize("secret", [None, "change-me", "secret", "too-short-secret"])
    def test_outside_development_a_missing_or_weak_secret_refuses_to_start(
        self, env: str, secret: str | None
    ) -> None:
        with pytest.raises(ValidationError, match="FITFLOW_SECRET_KEY"):
            Settings(env=Environment(env), secret_key=secret)

    def test_production_needs_the_public_url_that_email_links_use(self) -> None:
        with pytest.raises(ValidationError, match="PUBLIC_URL"):
            Settings(env=Environment.production, secret_key=GOOD_SECRET)

    def test_a_weak_secret_is_refused_even_in_development(self) -> None:
        with pytest.raises(ValidationError, match="FITFLOW_SECRET_KEY"):
            Settings(env=Environment.development, secret_key="change-me")

    def test_a_strong_secret_is_used_as_given(self) -> None:
        settings = Settings(env=Environment.production, secret_key=GOOD_SECRET, server=PUBLIC)
        assert settings.signing_key() == GOOD_SECRET

    def test_development_generates_a_secret_once_and_keeps_it(self, tmp_path: Path) -> None:
        first = Settings(env=Environment.development, data_dir=tmp_path, secret_key=None)
        again = Settings(env=Environment.development, data_dir=tmp_path, secret_key=None)
        assert first.signing_key() == again.signing_key()
        assert len(first.signing_key()) >= 32
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


class TestEnvironment:
    def test_nested_groups_read_double_underscore_variables(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FITFLOW_SMTP__HOST", "mail.example.com")
        monkeypatch.setenv("FITFLOW_AUTH__ACCESS_TOKEN_SECONDS", "60")
        monkeypatch.setenv("FITFLOW_RATE_LIMITS__LOGIN", "5/minute")
        settings = Settings()
        assert settings.smtp.host == "mail.example.com"
        assert settings.auth.access_token_seconds == 60
        assert settings.rate_limits.login == "5/minute"

    def test_a_studios_own_stripe_account_is_read_from_json_and_used_for_that_studio_only(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        studio, other = uuid.uuid4(), uuid.uuid4()
        accounts = {str(studio): {"secret_key": "sk_test_own", "webhook_secret": "whsec_own"}}
        monkeypatch.setenv("FITFLOW_STRIPE__SECRET_KEY", "sk_test_platform")
        monkeypatch.setenv("FITFLOW_STRIPE__STUDIO_ACCOUNTS", json.dumps(accounts))
        stripe = Settings().stripe
        own, platform = stripe.for_studio(studio), stripe.for_studio(other)
        assert own.secret_key is not None
        assert platform.secret_key is not None
        assert own.secret_key.get_secret_value() == "sk_test_own"
        assert platform.secret_key.get_secret_value() == "sk_test_platform"

    @pytest.mark.parametrize("limit", ["lots", "10/fortnight", "5/minute;100/hour"])
    def test_a_rate_limit_that_is_not_one_valid_limit_refuses_to_start(self, limit: str) -> None:
        with pytest.raises(ValidationError, match=r"rate_limits\.login"):
            Settings(rate_limits={"login": limit})

    def test_without_a_database_url_the_embedded_server_and_worker_are_used(self) -> None:
        settings = Settings(env=Environment.development, database_url=None)
        assert settings.uses_embedded_database
        assert settings.run_worker_in_process

    def test_with_a_server_the_worker_runs_as_its_own_process(self) -> None:
        settings = Settings(env=Environment.development, database_url="postgresql://db/fitflow")
        assert not settings.run_worker_in_process

    def test_mail_is_kept_in_the_outbox_outside_production(self) -> None:
        assert Settings(env=Environment.development).mail_transport == "outbox"
        production = Settings(env=Environment.production, secret_key=GOOD_SECRET, server=PUBLIC)
        assert production.mail_transport == "smtp"


def environment_names(model: type[BaseModel], prefix: str = "FITFLOW_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(environment_names(annotation, f"{prefix}{name.upper()}__"))
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented_for_operators() -> None:
    documentation = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in environment_names(Settings) if f"`{name}`" not in documentation]
    assert missing == []
