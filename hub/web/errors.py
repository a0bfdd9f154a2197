"""The one table from hub errors to HTTP statuses, and the JSON error body."""

from __future__ import annotations

from flask import Response, g, jsonify
from werkzeug.exceptions import HTTPException

from hub.core import errors

STATUS: tuple[tuple[type[errors.HubError], int], ...] = (
    (errors.MalformedBody, 400),
    (errors.UnsupportedMediaType, 415),
    (errors.PayloadTooLarge, 413),
    (errors.InvalidSubmission, 422),
    (errors.Forbidden, 403),
    (errors.AuthError, 401),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.NotInitialized, 503),
    (errors.StoreError, 503),
    (errors.HubError, 500),
)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def request_id() -> str:
    return str(g.get("request_id", "-"))


def error_response(
    code: str,
    detail: str,
    status: int,
    hint: str | None = None,
    violations: list[dict[str, str]] | None = None,
) -> Response:
    body: dict[str, object] = {"error": code, "detail": detail, "request_id": request_id()}
    if hint:
        body["hint"] = hint
    if violations:
        body["violations"] = violations
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crsa-hub"'
    return response


def status_of(exc: errors.HubError) -> int:
    return next(status for cls, status in STATUS if isinstance(exc, cls))


def from_hub_error(exc: errors.HubError) -> Response:
    found = getattr(exc, "violations", None) or []
    violations = [{"location": v.location, "message": v.message} for v in found]
    return error_response(exc.code, exc.message, status_of(exc), exc.hint, violations)


def from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _HTTP_CODES.get(status, "http_error")
    detail = exc.description or exc.name
    if status == 413:
        detail = "request body is over the size limit"
    return error_response(code, detail, status)
