"""Request ids, structured logs and the error format at the edge."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database
from fitflow.kit.logging import configure_logging


async def test_a_given_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


async def test_a_missing_or_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    generated = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["X-Request-ID"])
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-ID"])


async def test_every_log_line_of_a_request_is_json_with_its_request_id(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", json_format=True)  # onto the captured stdout
    await client.post(
        "/api/v1/auth/register",
        json={"email": "logged@example.com", "password": "a-long-password", "full_name": "L"},
        headers={"X-Request-ID": "trace-me"},
    )
    output = capsys.readouterr().out
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "trace-me"]
    assert {line["event"] for line in mine} >= {"audit", "request"}
    access = next(line for line in mine if line["event"] == "request")
    assert access["route"] == "/api/v1/auth/register"
    assert access["status"] == 201


async def test_unknown_routes_answer_in_the_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_a_body_that_is_not_utf8_is_a_typed_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"


async def test_a_bug_answers_json_500_with_the_request_id(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "bug-42"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "bug-42"
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": "Something went wrong on our side; quote the request id.",
        "data": {"request_id": "bug-42"},
    }
