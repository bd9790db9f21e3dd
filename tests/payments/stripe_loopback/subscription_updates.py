"""Subscription updates as Stripe takes them: localstripe's own, plus Stripe's
`proration_behavior`, which localstripe does not know (it fails on any parameter it
lacks). localstripe prorates nothing when a trial moves the next charge, which is what
`none` asks, and prorates a plan change its own way whatever is asked, so the parameter
is checked and then left out. An item's `price` is passed on as the localstripe plan of
the same id, which is what the loopback's Prices are."""

from __future__ import annotations

from aiohttp import web

from tests.payments.stripe_loopback.localstripe_app import resources
from tests.payments.stripe_loopback.localstripe_app import server as localstripe_server
from tests.payments.stripe_loopback.params import invalid, one_of

PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/v1/subscriptions/{id}", _update)


async def _update(request: web.Request) -> web.Response:
    data = dict(await localstripe_server.get_post_data(request) or {})
    behavior = data.pop("proration_behavior", None)
    if behavior is not None:
        one_of(behavior, "proration_behavior", PRORATION_BEHAVIORS)
    expand = data.pop("expand", None)
    for item in data.get("items") or []:
        if isinstance(item, dict) and "price" in item:
            item["plan"] = item.pop("price")  # the loopback's prices are localstripe plans
    if not data:
        raise invalid("", "Nothing to update.")
    updated = resources.Subscription._api_update(request.match_info["id"], **data)
    response: web.Response = localstripe_server.json_response(updated._export(expand=expand))
    return response
