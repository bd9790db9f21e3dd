"""Subscription updates as Stripe takes them, and the invoice payments of recent API
versions, which localstripe lacks. Updates: localstripe's own, plus Stripe's
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
    router.add_get("/v1/invoice_payments", _invoice_payments)


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


async def _invoice_payments(request: web.Request) -> web.Response:
    """Stripe's invoice payments of one invoice (`?invoice=`), which recent API versions
    use instead of an invoice's `payment_intent`; made from localstripe's invoice."""
    query = dict(request.query)
    invoice_id = query.pop("invoice", None)
    status = query.pop("status", None)
    if invoice_id is None or query:
        raise invalid("invoice", "List invoice payments of one invoice: ?invoice=in_...")
    invoice = resources.Invoice._api_retrieve(invoice_id)
    paid = invoice.status == "paid" and invoice.payment_intent is not None
    payment = {
        "id": "inpay_" + invoice_id.removeprefix("in_"),
        "object": "invoice_payment",
        "invoice": invoice_id,
        "status": "paid" if paid else "open",
        "payment": {"type": "payment_intent", "payment_intent": invoice.payment_intent},
    }
    data = [payment] if status in (None, payment["status"]) else []
    body = {"object": "list", "data": data, "has_more": False, "url": "/v1/invoice_payments"}
    response: web.Response = localstripe_server.json_response(body)
    return response
