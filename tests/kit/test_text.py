"""Text PostgreSQL cannot store is refused at the edge with a typed 422."""

from __future__ import annotations

import httpx
import pytest

from fitflow.kit.text import UnstorableText, is_storable, refuse_unstorable_text


@pytest.mark.parametrize(
    ("text", "storable"),
    [("plain", True), ("ümlaut ✓", True), ("nul\x00inside", False), ("lone \ud800", False)],
)
def test_is_storable(text: str, storable: bool) -> None:
    assert is_storable(text) is storable


@pytest.mark.parametrize(
    "body",
    [b'{"name": "a\\u0000b"}', b'{"list": ["\\ud800"]}', b'{"k\\u0000ey": 1}'],
)
def test_json_bodies_with_unstorable_strings_are_refused(body: bytes) -> None:
    with pytest.raises(UnstorableText):
        refuse_unstorable_text([], body)


def test_a_valid_surrogate_pair_and_plain_bodies_pass() -> None:
    refuse_unstorable_text(["/api/v1/orgs"], b'{"emoji": "\\ud83d\\ude00", "n": "plain"}')
    refuse_unstorable_text([], b"not json at all")


async def test_a_nul_in_a_body_answers_422_invalid_text(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        content=b'{"email": "a@example.com", "password": "long-enough-pw", "full_name": "\\u0000"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_text"


async def test_a_nul_in_the_path_or_query_answers_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/orgs/a%00b")).status_code == 422
    assert (await client.get("/api/v1/orgs/demo/members?q=%00")).status_code == 422
