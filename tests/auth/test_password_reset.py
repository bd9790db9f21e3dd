"""Password reset end to end: the link travels through a real SMTP server, sent by the
real job worker (committed mode)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from fitflow import worker
from fitflow.config import Settings
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.auth.conftest import PUBLIC_URL
from tests.auth.helpers import AUTH, audit_entries, error_code, login, me_status, refresh
from tests.factories import PASSWORD, account, unique_email
from tests.notifications.mailbox import Mailbox

NEW_PASSWORD = "a-brand-new-password"
LINK = re.compile(rf"{re.escape(PUBLIC_URL)}/reset-password\?token=([A-Za-z0-9_-]+)")


async def request_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(f"{AUTH}/password-reset", json={"email": email})


async def confirm(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": password}
    )


async def run_jobs(database_url: str, settings: Settings) -> None:
    await worker.run(database_url, settings, wait=False)


async def mailed_token(
    client: httpx.AsyncClient,
    mailbox: Mailbox,
    database_url: str,
    settings: Settings,
    email: str,
) -> str:
    """Ask for a reset, let the worker send it, and read the token from the link."""
    before = len(mailbox.to(email))
    assert (await request_reset(client, email)).status_code == 202
    await run_jobs(database_url, settings)
    mails = mailbox.to(email)
    assert len(mails) == before + 1
    found = LINK.search(mails[-1].text)
    assert found is not None, mails[-1].text
    return found.group(1)


class TestRequestReset:
    async def test_known_and_unknown_emails_answer_alike_and_only_the_account_gets_mail(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        known = await request_reset(mail_client, user.email)
        unknown = await request_reset(mail_client, unique_email("nobody"))
        assert known.status_code == unknown.status_code == 202
        assert known.content == unknown.content
        await run_jobs(database_url, mail_settings)
        assert len(mailbox.received) == 1
        mail = mailbox.received[0]
        assert mail.recipients == [user.email]
        assert mail.message["Subject"] == "Reset your FitFlow password"
        assert LINK.search(mail.text) is not None


class TestConfirmReset:
    async def test_confirming_sets_the_new_password_and_ends_every_session(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
        committed_database: Database,
    ) -> None:
        user = await account(mail_client)
        other_login = (await login(mail_client, user.email, PASSWORD)).json()
        token = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)

        assert (await confirm(mail_client, token, NEW_PASSWORD)).status_code == 204

        assert (await login(mail_client, user.email, NEW_PASSWORD)).status_code == 200
        old = await login(mail_client, user.email, PASSWORD)
        assert old.status_code == 401
        assert error_code(old) == "invalid_credentials"
        for refresh_token in (user.refresh_token, other_login["refresh_token"]):
            assert (await refresh(mail_client, refresh_token)).status_code == 401
        for access_token in (user.access_token, other_login["access_token"]):
            assert await me_status(mail_client, access_token) == 401
        entries = await audit_entries(
            committed_database, "auth.password_reset", subject_id=str(user.user_id)
        )
        assert len(entries) == 1

    async def test_a_reset_token_is_single_use(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        token = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)
        assert (await confirm(mail_client, token, NEW_PASSWORD)).status_code == 204
        again = await confirm(mail_client, token, "yet-another-password")
        assert again.status_code == 400
        assert error_code(again) == "invalid_reset_token"
        assert (await login(mail_client, user.email, "yet-another-password")).status_code == 401
        assert (await login(mail_client, user.email, NEW_PASSWORD)).status_code == 200

    async def test_an_expired_reset_token_is_refused_and_the_password_stays(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        requested_at = time.now()
        with time.frozen(requested_at):
            token = await mailed_token(
                mail_client, mailbox, database_url, mail_settings, user.email
            )
        lifetime = timedelta(seconds=mail_settings.auth.password_reset_seconds)
        with time.frozen(requested_at + lifetime):
            expired = await confirm(mail_client, token, NEW_PASSWORD)
        assert expired.status_code == 400
        assert error_code(expired) == "invalid_reset_token"
        assert (await login(mail_client, user.email, PASSWORD)).status_code == 200
        assert (await login(mail_client, user.email, NEW_PASSWORD)).status_code == 401

    async def test_confirming_one_link_spends_every_other_outstanding_link(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        first = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)
        second = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)
        assert first != second
        assert (await confirm(mail_client, second, NEW_PASSWORD)).status_code == 204
        stale = await confirm(mail_client, first, "yet-another-password")
        assert stale.status_code == 400
        assert error_code(stale) == "invalid_reset_token"

    async def test_a_new_password_breaking_the_rules_is_refused_and_the_link_stays_usable(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        token = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)
        for weak in ("password123", "short", "z" * 129):
            assert (await confirm(mail_client, token, weak)).status_code == 422
        assert (await login(mail_client, user.email, PASSWORD)).status_code == 200
        assert (await confirm(mail_client, token, NEW_PASSWORD)).status_code == 204

    async def test_confirming_lifts_a_login_lockout(
        self,
        mail_client: httpx.AsyncClient,
        mail_settings: Settings,
        mailbox: Mailbox,
        database_url: str,
    ) -> None:
        user = await account(mail_client)
        for _ in range(mail_settings.lockout.threshold):
            assert (await login(mail_client, user.email, "not-the-password")).status_code == 401
        locked = await login(mail_client, user.email, PASSWORD)
        assert locked.status_code == 429
        assert error_code(locked) == "login_locked"
        token = await mailed_token(mail_client, mailbox, database_url, mail_settings, user.email)
        assert (await confirm(mail_client, token, NEW_PASSWORD)).status_code == 204
        assert (await login(mail_client, user.email, NEW_PASSWORD)).status_code == 200

    async def test_a_made_up_token_is_refused(self, mail_client: httpx.AsyncClient) -> None:
        response = await confirm(mail_client, "made-up-token", NEW_PASSWORD)
        assert response.status_code == 400
        assert error_code(response) == "invalid_reset_token"
