"""The app factory: one Flask server for the REST API, the TAXII server and the dashboards."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, redirect, request
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboards.app import mount as mount_dashboards
from hub.core import logs
from hub.core.auth import authenticate
from hub.core.errors import Forbidden, HubError
from hub.core.model import Role
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store, open_store
from hub.web import errors as api_errors
from hub.web.api.endpoint import bearer, blueprint
from hub.web.api.openapi import build_openapi
from hub.web.api.routes import API_ROUTERS, ROOT_ROUTERS
from hub.web.context import HubContext, too_large
from hub.web.metrics import ServerMetrics, allowed
from hub.web.taxii import routes as taxii_routes

API_PREFIX = "/api/v1"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("crsa.api")
requests_log = logging.getLogger("crsa.request")


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """A ready WSGI app. Pass `store` to share one with the caller (tests, the demo)."""
    store = store or open_store(settings)
    app = Flask("crsa-hub")
    # One byte of headroom: werkzeug stops a chunked stream at this cap without an error,
    # so `read_body` refuses any body that reads longer than the real limit.
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_request_bytes, settings.max_sbom_bytes) + 1
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["crsa"] = HubContext(settings=settings, store=store, registry=Registry(store))

    mounts = [("", ROOT_ROUTERS), (API_PREFIX, API_ROUTERS)]
    app.register_blueprint(blueprint("root", "", ROOT_ROUTERS))
    app.register_blueprint(blueprint("api", API_PREFIX, API_ROUTERS))
    document = build_openapi(mounts)

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi() -> Response:
        return jsonify(document)

    @app.get("/")
    def home() -> WerkzeugResponse:
        """The address `crsa serve` and the demo print: people open it in a browser."""
        return redirect("/ui/", 302)

    metrics = ServerMetrics(store)
    app.extensions["crsa_metrics"] = metrics
    store.observer = metrics.observe_store

    @app.get("/metrics")
    def scrape() -> Response:
        """Prometheus text for an admin's token or an allowed scraper's address."""
        if not allowed(request.remote_addr, settings.metrics_allow):
            who = authenticate(store, bearer())
            g.principal = who
            if who.role is not Role.ADMIN:
                raise Forbidden(
                    f"role {who.role.value} may not read the metrics: an admin's token may,"
                    " or an address in metrics_allow"
                )
        return Response(metrics.scrape(), content_type=CONTENT_TYPE_LATEST)

    @app.before_request
    def start_request() -> Response | None:
        g.started = time.perf_counter()
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        view = app.view_functions.get(request.endpoint or "")
        limit = (
            settings.max_sbom_bytes
            if getattr(view, "takes_document", False)
            else settings.max_request_bytes
        )
        length = request.content_length
        if length is not None and length > limit:
            raise too_large(limit)
        return None

    @app.after_request
    def finish_request(response: Response) -> Response:
        """Headers every answer carries: nothing is cached, sniffed, framed, or tells
        another site where the user came from. The dashboards' pages run their own
        scripts only; API and TAXII answers are data and may run nothing at all."""
        h = response.headers
        route = request.url_rule.rule if request.url_rule else "unmatched"
        took = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.answered(route, request.method, response.status_code, took)
        who = g.get("principal")
        requests_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra=logs.fields(
                request_id=g.get("request_id", "-"),
                method=request.method,
                route=route,
                path=request.path,
                status=response.status_code,
                duration_ms=round(took * 1000, 1),
                org_id=who.org_id if who else None,
                role=who.role.value if who else None,
                person=who.person_id if who else None,
            ),
        )
        h["X-Request-ID"] = g.get("request_id", "-")
        h.setdefault("Cache-Control", "no-store")
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        ui = request.path.startswith("/ui/") and "crsa_ui_csp" in app.extensions
        h["Content-Security-Policy"] = (
            app.extensions["crsa_ui_csp"]() if ui else "default-src 'none'; frame-ancestors 'none'"
        )
        return response

    app.register_blueprint(taxii_routes.bp)
    mount_dashboards(app, settings)

    def under_taxii() -> bool:
        return request.path == taxii_routes.PREFIX or request.path.startswith(
            taxii_routes.PREFIX + "/"
        )

    @app.errorhandler(HubError)
    def hub_error(exc: HubError) -> Response:
        if under_taxii():
            return taxii_routes.taxii_error(exc)
        return api_errors.from_hub_error(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if under_taxii():
            return taxii_routes.taxii_error(exc)
        return api_errors.from_http_exception(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in request %s", g.get("request_id"))
        if under_taxii():  # a TAXII client parses every error as a TAXII error resource
            return taxii_routes.unexpected_error(str(g.get("request_id", "-")))
        return api_errors.error_response(
            "internal_error",
            "the hub failed to handle this request",
            500,
            hint=f"report request id {g.get('request_id', '-')} to the hub operator",
        )

    return app


def routes(app: Flask) -> list[dict[str, Any]]:
    """Every URL rule with its methods, for tests that check the document covers them."""
    return [
        {"rule": r.rule, "methods": sorted((r.methods or set()) - {"HEAD", "OPTIONS"})}
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
    ]
