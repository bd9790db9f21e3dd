"""The load generator's HTTP client: one HTTP/1.1 keep-alive connection, requests sent
one at a time, as a phone's app would.

The generator shares the machine's cores with the API and PostgreSQL, so each
millisecond it spends per request is taken from what it measures. httpx spent about
3.3 ms of CPU per booking on the 2-core machine; this client writes the request line and
headers itself and reads the answer by its `Content-Length` (or chunks), which costs a
small fraction of that. It speaks only what the API answers: no TLS, no redirects, no
compression.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class Phone:
    """A keep-alive connection to `base_url`, opened at the first request and again
    after the server closes it. Requests sent together wait their turn."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"an http:// address with a host is needed, not {base_url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self._authority = parts.netloc.encode()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._turn = asyncio.Lock()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request and read its whole answer; a connection the server closed
        while idle is reopened once. Raises OSError or IncompleteReadError on failure."""
        target = f"{path}?{urlencode(params)}" if params else path
        head = self._head(method, target, headers or {})
        async with self._turn:
            return await self._send(head)

    async def _send(self, head: bytes) -> Answer:
        reused = self._streams is not None
        try:
            return await self._exchange(head)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not reused:
                raise
        return await self._exchange(head)

    async def close(self) -> None:
        writer = self._drop()
        if writer is not None:
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _drop(self) -> asyncio.StreamWriter | None:
        """Forget the connection (closing it): after a failure or a cancelled request,
        the rest of an answer could still arrive and spoil the next one."""
        if self._streams is None:
            return None
        _, writer = self._streams
        self._streams = None
        writer.close()
        return writer

    def _head(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: " + self._authority]
        lines += [f"{name}: {value}".encode() for name, value in headers.items()]
        if method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: 0")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def _exchange(self, head: bytes) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        try:
            writer.write(head)
            await writer.drain()
            status, length, chunked, closes = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            body = await _read_chunked(reader) if chunked else await reader.readexactly(length)
        except BaseException:
            self._drop()
            raise
        if closes:
            self._drop()
        return Answer(status, body)


def _parse_head(raw: bytes) -> tuple[int, int, bool, bool]:
    """Status, content length, whether chunked, whether the server closes afterwards."""
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, closes = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            closes = value == "close"
    return status, length, chunked, closes


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # the last chunk's blank line (no trailers)
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)
