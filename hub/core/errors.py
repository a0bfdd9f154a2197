"""One root error for the hub, with a subclass per seam.

The REST layer maps these classes to HTTP statuses in one table
(`hub.web.errors`) and the CLI prints `diagnostics()` without a traceback, so
no layer below the API ever needs to know about HTTP.
"""

from __future__ import annotations


class HubError(Exception):
    """Anything the hub can explain to a user."""

    code = "hub_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The message plus what to do next, for people rather than logs."""
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(HubError):
    code = "config_error"


class StoreError(HubError):
    code = "store_error"


class NotInitialized(StoreError):
    code = "not_initialized"


class NotFound(HubError):
    code = "not_found"


class Conflict(HubError):
    code = "conflict"


class InvalidSubmission(HubError):
    code = "invalid_request"


class MalformedBody(InvalidSubmission):
    code = "malformed_body"


class UnsupportedMediaType(InvalidSubmission):
    code = "unsupported_media_type"


class PayloadTooLarge(InvalidSubmission):
    code = "payload_too_large"


class AuthError(HubError):
    """No credentials, or credentials we do not recognise."""

    code = "unauthenticated"


class Forbidden(AuthError):
    """Known caller, not allowed to do this."""

    code = "forbidden"


class AuditChainBroken(HubError):
    code = "audit_chain_broken"
