from fitflow.kit.errors import AppError, Conflict


class InsufficientCredits(Conflict):
    code = "insufficient_credits"
    message = "Not enough valid credits."


class InvalidAdjustment(AppError):
    status = 422
    code = "invalid_credit_adjustment"
    message = "Only a grant of credits can carry an expiry."
