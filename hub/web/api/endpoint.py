"""Declared endpoints: one declaration drives auth, validation and the OpenAPI document.

Each handler states its body, query and response models; the wrapper parses
and validates before the handler runs, so a handler only ever sees valid
input, and the published document cannot drift from what the code accepts.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError

from hub.core import jsontext
from hub.core.auth import Action, Principal, authenticate
from hub.core.errors import (
    AuthError,
    InvalidSubmission,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from hub.core.registry import Registry
from hub.core.store import Store
from hub.web.context import HubContext, hub_context, read_body, too_large


@dataclass
class Call:
    """One validated request as a handler sees it."""

    principal: Principal | None
    hub: HubContext
    request_id: str
    body: Any = None
    query: Any = None

    @property
    def who(self) -> Principal:
        """The authenticated caller; only endpoints declared `authenticated` may ask."""
        if self.principal is None:
            raise AuthError("missing bearer token")
        return self.principal

    @property
    def registry(self) -> Registry:
        return self.hub.registry

    @property
    def store(self) -> Store:
        return self.hub.store


Handler = Callable[..., "BaseModel | tuple[BaseModel, int] | Response"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    handler: Handler
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    statuses: tuple[int, ...] = (200,)
    authenticated: bool = True
    errors: tuple[int, ...] = ()
    document: tuple[str, ...] = ()  # raw document media types taken (plus multipart upload)
    # The permission the caller's role must hold, checked before the handler runs; what a
    # service decides beyond it (agency scope, ownership) the service checks itself.
    needs: Action | None = None
    # Pure computation from start to end (an inventory batch: parse, match, reconcile):
    # run one at a time per worker process. A process's threads share one GIL, so
    # several of these at once only take turns, and the one holding the store's writer
    # lock waits for its turn too while the others hold it back (bench/ingest,
    # docs/performance.md).
    serial: bool = False

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.path)


@dataclass
class Router:
    """A group of endpoints (one resource); turned into a Flask blueprint by `blueprint()`."""

    tag: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        statuses: tuple[int, ...] = (200,),
        authenticated: bool = True,
        errors: tuple[int, ...] = (),
        document: tuple[str, ...] = (),
        needs: Action | None = None,
        serial: bool = False,
    ) -> Callable[[Handler], Handler]:
        if authenticated and needs is None:
            raise TypeError(f"{method} {path}: declare the permission it needs (needs=Action.X)")

        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method,
                    path,
                    summary,
                    handler,
                    self.tag,
                    body,
                    query,
                    response,
                    statuses,
                    authenticated,
                    errors,
                    document,
                    needs,
                    serial,
                )
            )
            return handler

        return register


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _decoded(raw: bytes, limit: int) -> bytes:
    """The body with its Content-Encoding undone; gzip is inflated no further than `limit`,
    so a small compressed body cannot expand into a memory bomb."""
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise UnsupportedMediaType(f"Content-Encoding {encoding} is not supported; use gzip")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise MalformedBody(f"the gzip body is corrupt: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"the body inflates to more than the limit of {limit} bytes",
            hint="send smaller batches or raise CRSA_MAX_REQUEST_BYTES",
        )
    return out


def _json_body() -> bytes:
    """The JSON body's bytes, read off the connection and inflated."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"expected Content-Type application/json, got {mimetype or 'none'}"
        )
    limit = hub_context().settings.max_request_bytes
    return _decoded(read_body(limit), limit)


def _parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    try:
        data = jsontext.loads_bounded(raw)
    except UnicodeDecodeError:
        raise MalformedBody("request body is not UTF-8 text") from None
    except jsontext.TooDeep as exc:
        raise MalformedBody(f"malformed JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MalformedBody(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidSubmission(f"invalid {model.__name__}: {_describe(exc)}") from None


def patch_changes(body: BaseModel, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a PATCH body sets, refusing nulls for fields that cannot be empty."""
    changes = body.model_dump(exclude_unset=True, exclude=set(keep))
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise InvalidSubmission(f"cannot set {', '.join(nulls)} to null")
    return changes


@dataclass(frozen=True)
class Document:
    """A raw uploaded document and the media type it came with."""

    data: bytes
    media_type: str
    filename: str = ""


def _read_document(accepted: tuple[str, ...]) -> Document:
    limit = hub_context().settings.max_sbom_bytes
    if request.mimetype == "multipart/form-data":
        if request.content_length is None:
            raise MalformedBody("a multipart upload needs a Content-Length")
        upload = request.files.get("file") or next(iter(request.files.values()), None)
        if upload is None:
            raise MalformedBody("the multipart upload has no file part", hint="name it 'file'")
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise too_large(limit)
        return Document(data, upload.mimetype or "", upload.filename or "")
    generic = ("application/json", "application/xml", "text/xml", "text/plain")
    if request.mimetype not in accepted and request.mimetype not in generic:
        raise UnsupportedMediaType(
            f"expected one of {', '.join(accepted)} or multipart/form-data,"
            f" got {request.mimetype or 'no Content-Type'}"
        )
    return Document(read_body(limit), request.content_type or "")


def _parse_query(model: type[BaseModel]) -> BaseModel:
    values = {k: v for k, v in request.args.items()}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise MalformedBody(f"invalid query: {_describe(exc)}") from None


_SERIAL = threading.Lock()  # per process: see Endpoint.serial


def _view(endpoint: Endpoint) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        hub = hub_context()
        principal = None
        if endpoint.authenticated:
            principal = authenticate(hub.store, bearer())
            g.principal = principal  # for the request's log line
            principal.require(Action.USE_REST_API)
            if endpoint.needs is not None:
                principal.require(endpoint.needs)
        call = Call(principal=principal, hub=hub, request_id=g.request_id)
        if endpoint.query is not None:
            call.query = _parse_query(endpoint.query)
        # Read before waiting for a turn: a slow sender must not hold back the others.
        raw = _json_body() if endpoint.body is not None else None
        with _SERIAL if endpoint.serial else nullcontext():
            if endpoint.body is not None and raw is not None:
                call.body = _parse_body(endpoint.body, raw)
            elif endpoint.document:
                call.body = _read_document(endpoint.document)
            result = endpoint.handler(call, **path_params)
        if isinstance(result, Response):  # a file download, already shaped
            return result
        model, status = result if isinstance(result, tuple) else (result, endpoint.statuses[0])
        response = jsonify(model.model_dump(mode="json"))
        response.status_code = status
        return response

    view.__name__ = endpoint.handler.__name__
    view.takes_document = bool(endpoint.document)  # type: ignore[attr-defined]
    return view


def blueprint(name: str, url_prefix: str, routers: list[Router]) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    for router in routers:
        for endpoint in router.endpoints:
            bp.add_url_rule(
                endpoint.path,
                endpoint=endpoint.handler.__name__,
                view_func=_view(endpoint),
                methods=[endpoint.method],
            )
    return bp
