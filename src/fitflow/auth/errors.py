from fitflow.kit.errors import AppError, Conflict, RateLimited, Unauthenticated


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    message = "The email or password is not right."
    commit_changes = True


class LoginLocked(RateLimited):
    code = "login_locked"
    message = "Too many failed logins for this account; try again later."


class LoginInProgress(RateLimited):
    code = "login_in_progress"
    message = "Another login for this account is being checked; try again in a moment."


class AccountDeactivated(AppError):
    status = 403
    code = "account_deactivated"
    message = "This account has been deactivated."


class InvalidAccessToken(Unauthenticated):
    code = "invalid_token"
    message = "The access token is missing, expired or revoked."


class InvalidRefreshToken(Unauthenticated):
    code = "invalid_refresh_token"
    message = "The refresh token is not valid."


class RefreshTokenReused(Unauthenticated):
    code = "refresh_token_reused"
    message = "This refresh token was already used; every session of this login is revoked."
    commit_changes = True


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email already exists."


class InvalidResetToken(AppError):
    status = 400
    code = "invalid_reset_token"
    message = "The password reset link is invalid, used or expired."


class UserNotFound(AppError):
    status = 404
    code = "user_not_found"
    message = "No such user."
