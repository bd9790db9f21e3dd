"""The pages a person sees, in Debian's Chromium driven by Playwright: the landing page
and choosing a new password from the emailed link."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy import text

from fitflow.app import create_app
from fitflow.kit.db import Database
from tests.conftest import make_settings, truncate_all
from tests.factories import PASSWORD
from tests.live import free_port, serve

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("FITFLOW_CHROMIUM") or shutil.which("chromium")


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed (CI installs it and runs these tests)",
    ),
]


@pytest.fixture(scope="module")
def live_url(database_url: str) -> Iterator[str]:
    port = free_port()
    public = {"public_url": f"http://127.0.0.1:{port}"}  # the emailed links point here
    with serve(create_app(make_settings(database_url, server=public)), port) as base_url:
        yield base_url
    asyncio.run(truncate_all(database_url))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


async def test_the_landing_page_lists_studios_and_the_api_docs(
    live_url: str, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=live_url) as api:
        await api.post(
            "/api/v1/auth/register",
            json={"email": "landing@example.com", "password": PASSWORD, "full_name": "L"},
        )
        token = (
            await api.post(
                "/api/v1/auth/login", json={"email": "landing@example.com", "password": PASSWORD}
            )
        ).json()["access_token"]
        await api.post(
            "/api/v1/orgs",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Sunrise Yoga", "slug": "sunrise", "timezone": "UTC", "currency": "GBP"},
        )
    page = await browser.new_page()
    await page.goto(live_url)
    assert await page.title() == "FitFlow"
    assert await page.get_by_text("Sunrise Yoga").is_visible()
    await page.get_by_role("link", name="Interactive API documentation").click()
    await page.wait_for_url("**/docs")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "docs.png")


async def test_a_member_chooses_a_new_password_from_the_emailed_link(
    live_url: str, browser: Browser, database_url: str
) -> None:
    email = "forgetful@example.com"
    async with httpx.AsyncClient(base_url=live_url) as api:
        await api.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "F"}
        )
        assert (
            await api.post("/api/v1/auth/password-reset", json={"email": email})
        ).status_code == 202
        link = await _reset_link(database_url, email)
        page = await browser.new_page()
        await page.goto(link)
        await page.get_by_label("New password").fill("a-brand-new-password")
        await page.get_by_role("button", name="Set password").click()
        await page.get_by_text("Your password is changed").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / "reset-password.png")
        new_login = await api.post(
            "/api/v1/auth/login", json={"email": email, "password": "a-brand-new-password"}
        )
        assert new_login.status_code == 200
        old_login = await api.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert old_login.status_code == 401


async def _reset_link(database_url: str, email: str) -> str:
    """The link in the queued email (the outbox transport keeps it in the database)."""
    database = Database.connect(database_url, make_settings(database_url).database)
    try:
        async with database.sessions() as session:
            body = await session.scalar(
                text("SELECT body_text FROM outbound_emails WHERE to_address = :to"), {"to": email}
            )
    finally:
        await database.dispose()
    match = re.search(r"https?://\S+/reset-password\?token=\S+", str(body))
    assert match, body
    return match.group(0)
