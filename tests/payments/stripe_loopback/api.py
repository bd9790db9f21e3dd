"""The harness's own raw JSON calls to the loopback (localstripe accepts JSON bodies), so
what it reads is exactly what the server sends."""

from __future__ import annotations

from typing import Any

import httpx

HARNESS_KEY = "sk_test_loopback_harness"


class LoopbackApiError(Exception):
    """A Stripe error envelope answered to one of the harness's own calls."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"{status}: {error.get('message', error)}")
        self.status = status
        self.error = error


class LoopbackApi:
    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {HARNESS_KEY}"}, timeout=30
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str) -> dict[str, Any]:
        return self._answer(self._http.get(path))

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._answer(self._http.post(path, json=body or {}))

    def delete(self, path: str) -> None:
        response = self._http.delete(path)
        if response.is_error:
            self._answer(response)

    @staticmethod
    def _answer(response: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        if response.is_error:
            raise LoopbackApiError(response.status_code, body.get("error", body))
        return body
