"""Prices and Checkout Sessions in Stripe's wire format: form-encoded requests with bracketed
keys, JSON answers, Stripe's error envelope. Recurring prices are also created as
localstripe plans with the same id (in Stripe a price can be used where a plan is), so
subscriptions can be made from them. Everything here runs on the server's event loop."""

from __future__ import annotations

import copy
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.payments.stripe_loopback.localstripe_app import resources
from tests.payments.stripe_loopback.localstripe_app import server as localstripe_server
from tests.payments.stripe_loopback.params import (
    dictionary,
    integer,
    invalid,
    metadata,
    missing,
    nested,
    one_of,
    only,
    text,
)

CHECKOUT_PAGE = "/checkout/"
DAY = 24 * 60 * 60
INTERVALS = ("day", "week", "month", "year")
PRICE_PARAMS = {"unit_amount", "currency", "product", "product_data", "recurring", "metadata"}
SESSION_PARAMS = {
    "mode",
    "line_items",
    "client_reference_id",
    "metadata",
    "customer",
    "customer_email",
    "success_url",
    "cancel_url",
    "expires_at",
    "payment_intent_data",
    "subscription_data",
}


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


@dataclass
class LineItem:
    price: dict[str, Any]
    quantity: int


@dataclass
class Session:
    """A Checkout Session: the public object and what Stripe keeps behind it."""

    public: dict[str, Any]
    items: list[LineItem]
    payment_intent_metadata: dict[str, str]
    subscription_metadata: dict[str, str]
    api_key: str = ""
    """The secret key that created the session: the Stripe account it belongs to."""


class Checkout:
    """The prices and sessions of one loopback server."""

    def __init__(self) -> None:
        self.prices: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, Session] = {}

    def clear(self) -> None:
        self.prices.clear()
        self.sessions.clear()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/prices", self._create_price)
        router.add_get("/v1/prices/{id}", self._retrieve_price)
        router.add_post("/v1/checkout/sessions", self._create_session)
        router.add_get("/v1/checkout/sessions/{id}", self._retrieve_session)
        router.add_post("/v1/checkout/sessions/{id}/expire", self._expire_session)
        router.add_get(CHECKOUT_PAGE + "{id}", self._page)

    def session(self, session_id: str) -> Session:
        found = self.sessions.get(session_id)
        if found is None:
            raise invalid(
                "id", f"No such checkout.session: '{session_id}'", 404, "resource_missing"
            )
        return found

    def update(self, session_id: str, **fields: Any) -> dict[str, Any]:
        public = self.session(session_id).public
        public.update(fields)
        return copy.deepcopy(public)

    async def _create_price(self, request: web.Request) -> web.Response:
        params = await _params(request)
        return web.json_response(self.new_price(params, "", PRICE_PARAMS))

    async def _retrieve_price(self, request: web.Request) -> web.Response:
        price_id = request.match_info["id"]
        _no_query(request)
        return web.json_response(self._price(price_id, "id"))

    async def _create_session(self, request: web.Request) -> web.Response:
        params = await _params(request)
        session = self.new_session(params, f"{request.url.origin()}{CHECKOUT_PAGE}")
        session.api_key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return web.json_response(session.public)

    async def _retrieve_session(self, request: web.Request) -> web.Response:
        _no_query(request)
        return web.json_response(self.session(request.match_info["id"]).public)

    async def _expire_session(self, request: web.Request) -> web.Response:
        await _params(request)
        session = self.session(request.match_info["id"])
        if session.public["status"] != "open":
            raise invalid(
                "session",
                'Only Checkout Sessions with a status in ["open"] can be expired.',
            )
        session.public.update(status="expired", url=None)
        return web.json_response(session.public)

    async def _page(self, request: web.Request) -> web.Response:
        public = self.session(request.match_info["id"]).public
        body = (
            "<!doctype html><title>Loopback Checkout</title>"
            f"<p>{html.escape(public['id'])}: {public['amount_total']} "
            f"{html.escape(public['currency'])}, {html.escape(public['status'])}</p>"
        )
        return web.Response(text=body, content_type="text/html")

    def new_price(self, params: dict[str, Any], prefix: str, allowed: set[str]) -> dict[str, Any]:
        """Validate price parameters (at `prefix`, for error messages) and store the price."""
        only(params, allowed, prefix)
        unit_amount = integer(params.get("unit_amount"), nested(prefix, "unit_amount"), minimum=0)
        currency = text(params.get("currency"), nested(prefix, "currency")).lower()
        recurring = self._recurring(params.get("recurring"), nested(prefix, "recurring"))
        price_metadata = metadata(params.get("metadata"), nested(prefix, "metadata"))
        product = self._product(params, prefix)
        price: dict[str, Any] = {
            "id": new_id("price_"),
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": int(time.time()),
            "currency": currency,
            "livemode": False,
            "lookup_key": None,
            "metadata": price_metadata,
            "nickname": None,
            "product": product,
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "type": "one_time" if recurring is None else "recurring",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        }
        if recurring is not None:
            resources.Plan(
                id=price["id"],
                amount=unit_amount,
                currency=currency,
                interval=recurring["interval"],
                interval_count=recurring["interval_count"],
                product=product,
            )
        self.prices[price["id"]] = price
        return price

    def _price(self, price_id: str, param: str) -> dict[str, Any]:
        price = self.prices.get(price_id)
        if price is None:
            raise invalid(param, f"No such price: '{price_id}'", 404, "resource_missing")
        return price

    def _product(self, params: dict[str, Any], prefix: str) -> str:
        """The named product, or a new one from `product_data`."""
        product, product_data = params.get("product"), params.get("product_data")
        if (product is None) == (product_data is None):
            raise invalid(
                nested(prefix, "product"),
                "You must specify exactly one of product or product_data.",
            )
        if product is not None:
            product_id = text(product, nested(prefix, "product"))
            if resources.store.get(f"product:{product_id}") is None:
                raise invalid(
                    nested(prefix, "product"),
                    f"No such product: '{product_id}'",
                    404,
                    "resource_missing",
                )
            return product_id
        param = nested(prefix, "product_data")
        data = dictionary(product_data, param)
        only(data, {"name"}, param)
        created: str = resources.Product(
            name=text(data.get("name"), f"{param}[name]"), type="service"
        ).id
        return created

    @staticmethod
    def _recurring(value: Any, param: str) -> dict[str, Any] | None:
        if value is None:
            return None
        data = dictionary(value, param)
        only(data, {"interval", "interval_count"}, param)
        return {
            "interval": one_of(data.get("interval"), f"{param}[interval]", INTERVALS),
            "interval_count": integer(
                data.get("interval_count", 1), f"{param}[interval_count]", minimum=1
            ),
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }

    def new_session(self, params: dict[str, Any], page: str) -> Session:
        """Validate Checkout Session parameters and store the open session."""
        only(params, SESSION_PARAMS, "")
        mode = one_of(params.get("mode"), "mode", ("payment", "subscription"))
        items = self._line_items(params.get("line_items"), mode)
        customer, email = self._customer(params)
        payment_intent_metadata = _nested_metadata(params, "payment_intent_data", mode, "payment")
        subscription_metadata = _nested_metadata(params, "subscription_data", mode, "subscription")
        created = int(time.time())
        session_id = new_id("cs_test_")
        amount = sum(item.price["unit_amount"] * item.quantity for item in items)
        public: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": _optional_text(params, "cancel_url"),
            "client_reference_id": _optional_text(params, "client_reference_id"),
            "created": created,
            "currency": items[0].price["currency"],
            "customer": customer,
            "customer_details": None,
            "customer_email": email,
            "expires_at": integer(params.get("expires_at", created + DAY), "expires_at"),
            "invoice": None,
            "livemode": False,
            "metadata": metadata(params.get("metadata"), "metadata"),
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": _optional_text(params, "success_url"),
            "url": page + session_id,
        }
        session = Session(public, items, payment_intent_metadata, subscription_metadata)
        self.sessions[session_id] = session
        return session

    def _line_items(self, value: Any, mode: str) -> list[LineItem]:
        if value is None:
            raise missing("line_items")
        if not isinstance(value, list) or not value:
            raise invalid("line_items", "line_items must be a non-empty list.")
        items = [self._line_item(raw, f"line_items[{index}]") for index, raw in enumerate(value)]
        if len({item.price["currency"] for item in items}) > 1:
            raise invalid("line_items", "All line items must have the same currency.")
        recurring = [item for item in items if item.price["recurring"] is not None]
        if mode == "payment" and recurring:
            raise invalid(
                "line_items", "You specified `payment` mode but passed a recurring price."
            )
        if mode == "subscription" and (len(items) != 1 or not recurring):
            raise invalid(
                "line_items",
                "The loopback supports subscription mode with exactly one recurring price.",
            )
        return items

    def _line_item(self, value: Any, param: str) -> LineItem:
        data = dictionary(value, param)
        only(data, {"price", "price_data", "quantity"}, param)
        if ("price" in data) == ("price_data" in data):
            raise invalid(param, f"You must specify exactly one of {param}[price] or [price_data].")
        if "price" in data:
            price = self._price(text(data["price"], f"{param}[price]"), f"{param}[price]")
        else:
            price_data = dictionary(data["price_data"], f"{param}[price_data]")
            price = self.new_price(price_data, f"{param}[price_data]", PRICE_PARAMS - {"metadata"})
        if "quantity" not in data:
            raise missing(f"{param}[quantity]")
        return LineItem(price, integer(data["quantity"], f"{param}[quantity]", minimum=1))

    @staticmethod
    def _customer(params: dict[str, Any]) -> tuple[str | None, str | None]:
        customer = _optional_text(params, "customer")
        email = _optional_text(params, "customer_email")
        if customer is not None and email is not None:
            raise invalid(
                "customer_email",
                "You may only specify one of these parameters: customer, customer_email.",
            )
        if customer is not None and resources.store.get(f"customer:{customer}") is None:
            raise invalid("customer", f"No such customer: '{customer}'", 404, "resource_missing")
        return customer, email


def _nested_metadata(params: dict[str, Any], name: str, mode: str, needs: str) -> dict[str, str]:
    if name not in params:
        return {}
    if mode != needs:
        raise invalid(name, f"{name} can only be used in {needs} mode.")
    data = dictionary(params[name], name)
    only(data, {"metadata"}, name)
    return metadata(data.get("metadata"), f"{name}[metadata]")


def _optional_text(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    return None if value is None else text(value, name)


async def _params(request: web.Request) -> dict[str, Any]:
    data = await localstripe_server.get_post_data(request)
    return dict(data) if data else {}


def _no_query(request: web.Request) -> None:
    if request.query:
        only(dict(request.query), set(), "")
