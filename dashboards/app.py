"""The dashboards: a multi-page Dash app (Dash pages) on the hub's own Flask server, at
/ui/. Each page module gives a layout and registers its callbacks on this app instance
(not on Dash's global registry), so several hubs in one process (tests) stay apart; the
pages read the hub through `current_app`, so they serve whichever hub they run in."""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import dash
from dash import Dash, html
from flask import Flask

from dashboards import dispatch, session, signin
from dashboards.access import PATHS
from dashboards.pages import (
    agency,
    asset,
    audit,
    incident,
    indicator,
    overview,
    sbom,
    sharing,
    system,
    triage,
    vulnerability,
    vulns,
    wall,
)
from hub.core.settings import Settings

PAGES: tuple[ModuleType, ...] = (
    overview,
    agency,
    system,
    asset,
    vulns,
    vulnerability,
    sbom,
    sharing,
    triage,
    wall,
    audit,
    indicator,
    incident,
)
ASSETS = Path(__file__).with_name("assets")


def mount(server: Flask, settings: Settings) -> Dash:
    session.register(server, settings)
    app = Dash(
        __name__,
        server=server,  # type: ignore[arg-type]
        url_base_pathname=session.PREFIX,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        serve_locally=True,
        title="CRSA hub",
        update_title=None,  # type: ignore[arg-type]
        suppress_callback_exceptions=True,
    )
    for page in PAGES:
        dash.register_page(page.__name__, path=PATHS[page.PAGE], name=page.PAGE, layout=page.layout)
        page.register(app)
    app.layout = html.Div(dash.page_container)
    dispatch.install(server, app)
    server.extensions["crsa_ui_csp"] = functools.cache(lambda: content_policy(app, settings))
    return app


def content_policy(app: Dash, settings: Settings) -> str:
    """The dashboards' Content-Security-Policy: scripts only from the hub, plus Dash's own
    inline start-up scripts by their hashes (known once Dash has set itself up, on the first
    request); styles inline too (Dash and plotly set them on elements); nothing may frame
    the pages or receive their forms, but the identity provider, where logging out goes
    on to end the provider's session too (a form's redirect counts as its action)."""
    hashes = " ".join(app.csp_hashes())
    forms = " ".join(filter(None, ("'self'", signin.issuer_origin(settings))))
    return (
        "default-src 'self'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action {forms}; frame-ancestors 'none'"
    )
