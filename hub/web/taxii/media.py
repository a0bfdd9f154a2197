"""TAXII 2.1 media types, content negotiation and error resources.

The specification's media type is `application/taxii+json;version=2.1`; a client that
accepts none of it (406) or sends a body of another type (415) is told so in an error
resource, which is itself TAXII JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hub.core import jsontext
from hub.core.errors import HubError

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
_ACCEPTED = {
    "application/taxii+json",
    "application/taxii+json;version=2.1",
    "application/*",
    "*/*",
}


class NotAcceptable(HubError):
    code = "not_acceptable"


def _norm(media: str) -> str:
    parts = [p.strip().lower() for p in media.split(";")]
    params = sorted(p for p in parts[1:] if p and not p.startswith("q="))
    return ";".join([parts[0], *params])


def check_accept() -> None:
    """Refuse (406) unless the Accept header allows TAXII 2.1 JSON; none at all allows it."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return
    offered = [_norm(m) for m in header.split(",")]
    if not any(m in _ACCEPTED for m in offered):
        raise NotAcceptable(
            f"this server answers only in {TAXII}; the request accepts {header}",
            hint=f"send Accept: {TAXII}",
        )


def is_taxii_body() -> bool:
    return _norm(request.headers.get("Content-Type", "")) in {
        "application/taxii+json;version=2.1",
        "application/taxii+json",
    }


def respond(
    body: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(
        "" if body is None else jsontext.dumps(body),
        status=status,
        content_type=TAXII,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error(status: int, title: str, description: str = "", **extra: Any) -> Response:
    body: dict[str, Any] = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    body.update(extra)
    response = respond(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="crsa-hub TAXII", Bearer'
    return response
