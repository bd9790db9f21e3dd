"""localstripe's app plus the loopback's own routes, which stand in for the Checkout Sessions
and Prices endpoints localstripe lacks and take subscription updates as Stripe does, served
on 127.0.0.1 from a thread with its own event loop."""

from __future__ import annotations

import asyncio
import inspect
import pickle
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from tests.payments.stripe_loopback import subscription_updates
from tests.payments.stripe_loopback.checkout import CHECKOUT_PAGE, Checkout
from tests.payments.stripe_loopback.localstripe_app import resources
from tests.payments.stripe_loopback.localstripe_app import server as localstripe_server

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def isolate_store(directory: Path) -> Path:
    """Make localstripe write its store to a file of this process's own.

    localstripe pickles its whole store to the fixed path /tmp/localstripe.pickle after
    every write, so two test runs on one machine would overwrite each other's file (or fail
    on one owned by another user). It reads that file back only in its command-line
    launcher, which the loopback never runs."""
    path = directory / "localstripe.pickle"
    store = resources.store

    def dump_to_disk() -> None:
        with path.open("wb") as file:
            pickle.dump(dict(store), file, protocol=pickle.HIGHEST_PROTOCOL)

    store.dump_to_disk = dump_to_disk
    return path


def restore_store() -> None:
    """Undo `isolate_store`."""
    vars(resources.store).pop("dump_to_disk", None)


@web.middleware
async def _authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """localstripe's API-key check, except for the customer-facing checkout page."""
    if request.path.startswith(CHECKOUT_PAGE):
        return await handler(request)
    response: web.StreamResponse = await localstripe_server.auth_middleware(request, handler)
    return response


def build_app(checkout: Checkout) -> web.Application:
    """A fresh application with the loopback's routes first, then every localstripe route."""
    app = web.Application(
        middlewares=[
            localstripe_server.error_middleware,
            _authenticate,
            localstripe_server.save_store_middleware,
        ]
    )
    checkout.add_routes(app.router)
    subscription_updates.add_routes(app.router)
    for route in localstripe_server.app.router.routes():
        app.router.add_route(route.method, route.resource.canonical, _asynchronous(route.handler))
    return app


def _asynchronous(handler: Callable[[web.Request], Any]) -> Handler:
    """localstripe's plain-function handlers as coroutines (aiohttp deprecates the former)."""
    if inspect.iscoroutinefunction(handler):
        coroutine: Handler = handler
        return coroutine

    async def wrapped(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = handler(request)
        return response

    return wrapped


class ServerThread:
    """An aiohttp server on an ephemeral loopback port, run by a daemon thread."""

    def __init__(self, app: web.Application) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="stripe-loopback", daemon=True
        )
        self._runner = web.AppRunner(app, access_log=None)

    def start(self) -> str:
        """Serve and return the base URL."""
        self._thread.start()
        self.run(self._runner.setup())
        self.run(web.TCPSite(self._runner, "127.0.0.1", 0).start())
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run a coroutine on the server's loop and wait for its result."""

        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout=30)

    def call(self, function: Callable[[], T]) -> T:
        """Run a plain function on the server's loop, where localstripe's objects live."""

        async def wrapped() -> T:
            return function()

        return self.run(wrapped())

    def stop(self) -> None:
        """Stop serving, cancel localstripe's pending webhook tasks, and end the thread."""
        self.run(self._runner.cleanup())
        self.run(_cancel_other_tasks())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


async def _cancel_other_tasks() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
