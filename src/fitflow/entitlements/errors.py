from fitflow.kit.errors import AppError


class PaymentRequired(AppError):
    """Nothing the member holds pays for the class; `data` carries the drop-in offer."""

    status = 402
    code = "payment_required"
    message = "Nothing you hold pays for this class; it can be paid as a drop-in."
