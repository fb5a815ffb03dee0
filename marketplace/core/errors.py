"""Domain errors raised by services. Views turn them into form errors or JSON error bodies."""
from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation; `message` is already translated for the user."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def json_extra(self) -> dict[str, object]:
        """Body fields the JSON API adds to this error's {"code", "message", "fields"} (none by default)."""
        return {}

    def json_headers(self) -> dict[str, str]:
        """Response headers the JSON API sends with this error (none by default)."""
        return {}


class ValidationError(DomainError):
    code = "validation_error"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    status = 401


class PaymentUnavailable(DomainError):
    """The payment service could not be reached; nothing was charged and the caller may try again later."""

    code = "payment_unavailable"
    status = 503
