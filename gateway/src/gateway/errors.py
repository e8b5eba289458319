from typing import Any

from shared.errors import AppError, NotFound


class ApiClientNotFound(NotFound):
    title = "API client not found"


class OAuthError(AppError):
    """RFC 6749 §5.2 errors: the `error` code OAuth clients look for, inside a problem body."""

    status, slug, title = 400, "oauth", "Token request refused"
    error = "invalid_request"

    def __init__(self, detail: str, **kwargs: Any) -> None:
        super().__init__(detail, error=self.error, error_description=detail, **kwargs)


class InvalidClient(OAuthError):
    status, error = 401, "invalid_client"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Basic realm="contrato"'})


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidRequest(OAuthError):
    error = "invalid_request"
