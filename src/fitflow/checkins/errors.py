from fitflow.kit.errors import AppError


class InvalidCheckinToken(AppError):
    status = 422
    code = "invalid_checkin_token"
    message = "This check-in code is not one this studio issued."
