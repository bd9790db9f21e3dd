from fitflow.kit.errors import AppError, Conflict, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = "No such order in this studio."


class PlanNotOnSale(Conflict):
    code = "plan_not_on_sale"
    message = "This plan is archived and no longer sold."


class IntroOfferUsed(Conflict):
    code = "intro_offer_already_used"
    message = "This member has already had an intro offer."


class RefundTooLarge(AppError):
    status = 422
    code = "refund_exceeds_payment"
    message = "A refund cannot exceed what is left of the payment."


class OrderNotVoidable(Conflict):
    code = "order_not_voidable"
    message = "Only a paid order with nothing refunded can be voided."


class OrderInUse(Conflict):
    code = "order_in_use"
    message = "What this order granted has been used; refund it instead of voiding it."


class OrderVoided(Conflict):
    code = "order_voided"
    message = "This order was voided."


class OnlinePaymentsUnavailable(Conflict):
    code = "online_payments_unavailable"
    message = "This studio does not take online payments yet; pay at the desk."


class AlreadySubscribed(Conflict):
    code = "already_subscribed"
    message = "You already have a subscription in this studio; cancel it before starting another."


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"
    message = "No such subscription in this studio."


class PlanChangeNotAllowed(Conflict):
    code = "plan_change_not_allowed"
    message = "This subscription cannot move to that plan."


class PaymentProviderError(AppError):
    status = 502
    code = "payment_provider_error"
    message = "The payment provider could not be reached or refused the request; try again."


class InvalidWebhook(AppError):
    status = 400
    code = "invalid_webhook_signature"
    message = "The event's signature is missing, wrong or too old."


class WebhookTooLarge(AppError):
    status = 413
    code = "webhook_too_large"
    message = "The event is larger than any event this endpoint accepts."


class OrderNotPaid(Conflict):
    code = "order_not_paid"
    message = "This order has not been paid, so there is nothing to refund."
