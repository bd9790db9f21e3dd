"""The load generator's HTTP client against a real uvicorn: keep-alive reuse, chunked
answers, and a connection the server closed while idle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager

from bench.wire import Phone
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.live import serve

KEEP_ALIVE_SECONDS = 1


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "method": request.method,
            "query": dict(request.query_params),
            "member": request.headers.get("x-member"),
            "peer_port": request.client.port if request.client else None,
        },
        status_code=201 if request.method == "POST" else 200,
    )


async def chunks(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"first,", b"second,", b"third"):
            yield part

    return StreamingResponse(parts(), media_type="text/plain")


def server() -> AbstractContextManager[str]:
    routes = [Route("/echo", echo, methods=["GET", "POST"]), Route("/chunks", chunks)]
    return serve(Starlette(routes=routes), timeout_keep_alive=KEEP_ALIVE_SECONDS)


async def test_requests_share_one_connection_and_carry_headers_and_query() -> None:
    with server() as url:
        phone = Phone(url)
        try:
            posted = await phone.request("POST", "/echo", headers={"X-Member": "m1"})
            got = await phone.request("GET", "/echo", params={"from": "2026-11-23", "n": "2"})
        finally:
            await phone.close()
    first, second = json.loads(posted.body), json.loads(got.body)
    assert (posted.status, first["method"], first["member"]) == (201, "POST", "m1")
    assert (got.status, second["query"]) == (200, {"from": "2026-11-23", "n": "2"})
    assert first["peer_port"] == second["peer_port"]


async def test_a_chunked_answer_is_read_whole() -> None:
    with server() as url:
        phone = Phone(url)
        try:
            answer = await phone.request("GET", "/chunks")
            again = await phone.request("GET", "/echo")
        finally:
            await phone.close()
    assert (answer.status, answer.body) == (200, b"first,second,third")
    assert again.status == 200


async def test_a_connection_closed_while_idle_is_reopened() -> None:
    with server() as url:
        phone = Phone(url)
        try:
            before = json.loads((await phone.request("GET", "/echo")).body)
            await asyncio.sleep(KEEP_ALIVE_SECONDS + 1)
            after = json.loads((await phone.request("GET", "/echo")).body)
        finally:
            await phone.close()
    assert before["peer_port"] != after["peer_port"]


async def test_requests_sent_together_take_turns_on_the_connection() -> None:
    with server() as url:
        phone = Phone(url)
        try:
            answers = await asyncio.gather(
                *(phone.request("GET", "/echo", params={"n": str(n)}) for n in range(5))
            )
        finally:
            await phone.close()
    assert [json.loads(a.body)["query"]["n"] for a in answers] == ["0", "1", "2", "3", "4"]
    assert len({json.loads(a.body)["peer_port"] for a in answers}) == 1
