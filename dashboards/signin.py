"""Sign-in through the organisation's identity provider: OIDC's authorization code flow
with PKCE (authlib), when `oidc_issuer` is set.

`GET /ui/login/oidc` sends the browser to the provider with a fresh `state`, `nonce` and
S256 `code_challenge`, kept in the signed session cookie. The provider sends it back to
`/ui/login/oidc/callback` with a code; the hub exchanges it (with the verifier and its
client secret) and validates the ID token: signature by the provider's JWKS, issuer,
audience, nonce, expiry with two minutes of clock skew. `hub.people` then decides who the
person is to the hub from their groups, and a server-side session names the person, as a
token sign-in names its token. Logging out ends the hub's session and then the
provider's (RP-initiated logout), so the next sign-in asks for the password again.
"""

from __future__ import annotations

import html
import secrets
import uuid
from typing import Any
from urllib.parse import urlparse

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, Response, current_app, redirect, request, session
from joserfc.errors import JoseError

from dashboards.access import home_path, inside
from dashboards.i18n import t
from hub.core.auth import Principal
from hub.core.errors import AuthError
from hub.core.model import WebSession, utcnow
from hub.core.settings import Settings
from hub.people import NotMapped, People, SignIn
from hub.web.context import hub_context

PREFIX = "/ui/"
NEXT = "oidc_next"
LEEWAY = 120  # seconds of clock skew allowed between the provider and the hub


def _client() -> Any:
    return current_app.extensions["crsa_oidc"].idp


def configured() -> bool:
    return "crsa_oidc" in current_app.extensions


def issuer_origin(settings: Settings) -> str:
    """The provider's origin, which the pages' CSP lets logout's form redirect to."""
    parts = urlparse(settings.oidc_issuer)
    return f"{parts.scheme}://{parts.netloc}" if settings.oidc_issuer else ""


def _callback_url() -> str:
    return f"{request.host_url.rstrip('/')}{PREFIX}login/oidc/callback"


def _page(title: str, message: str, hint: str, status: int) -> Response:
    lang = session.get("lang", "") or "ja"
    body = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{t("app")}: {html.escape(title)}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="{PREFIX}assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width:36rem;margin-top:10vh">
<h1 class="h3 mb-3">{html.escape(title)}</h1>
<p id="signin-refused" class="alert alert-danger" role="alert">{html.escape(message)}</p>
<p class="text-muted">{html.escape(hint)}</p>
<a class="btn btn-outline-primary" href="{PREFIX}login">{t("login")}</a>
</main></body></html>"""
    return Response(body, status=status, mimetype="text/html")


def register(server: Flask, settings: Settings) -> None:
    if not settings.oidc_issuer:
        return
    oauth = OAuth(server)
    oauth.register(
        "idp",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )
    server.extensions["crsa_oidc"] = oauth
    bp = Blueprint("ui_oidc", __name__)

    @bp.get(f"{PREFIX}login/oidc")
    def start() -> Any:
        session[NEXT] = request.args.get("next", PREFIX)
        # Signing in again for a sensitive action: the provider must ask for the password
        # whatever single sign-on session it holds (max_age=0, prompt=login).
        again = {"max_age": 0, "prompt": "login"} if request.args.get("reauth") else {}
        try:
            return _client().authorize_redirect(
                _callback_url(), nonce=secrets.token_urlsafe(24), **again
            )
        except (OSError, OAuthError, ValueError) as exc:  # discovery failed: say so, no trace
            return _page(
                t("signin.refused"),
                f"{t('signin.unreachable')} ({exc})",
                t("signin.unreachable.hint"),
                502,
            )

    @bp.get(f"{PREFIX}login/oidc/callback")
    def callback() -> Response:
        if "error" in request.args:  # the provider refused or the person cancelled
            why = request.args.get("error_description") or request.args["error"]
            return _page(t("signin.refused"), why, t("signin.retry"), 401)
        try:
            tokens = _client().authorize_access_token(leeway=LEEWAY)
        except OSError as exc:  # the token endpoint did not answer
            return _page(
                t("signin.refused"),
                f"{t('signin.unreachable')} ({exc})",
                t("signin.unreachable.hint"),
                502,
            )
        except (OAuthError, JoseError, ValueError, KeyError) as exc:
            return _page(
                t("signin.refused"), f"{t('signin.invalid')} ({exc})", t("signin.retry"), 401
            )
        claims = tokens.get("userinfo")
        if not claims:
            return _page(t("signin.refused"), t("signin.invalid"), t("signin.retry"), 401)
        issuer = str(_client().load_server_metadata().get("issuer", settings.oidc_issuer))
        request_id = f"ui-{uuid.uuid4().hex}"
        try:
            seen = SignIn.from_claims(issuer, claims, settings.oidc_groups_claim)
            person = People(hub_context().store).sign_in(seen, request_id)
        except NotMapped as exc:
            return _page(t("signin.refused"), exc.message, exc.hint or "", 403)
        except AuthError as exc:
            return _page(t("signin.refused"), exc.message, t("signin.retry"), 401)
        target = session.get(NEXT, PREFIX)
        lang = session.get("lang")
        session.clear()  # a fresh session at sign-in: nothing carried over from before
        if lang:
            session["lang"] = lang
        started = WebSession(
            secrets.token_urlsafe(32),
            "",
            utcnow(),
            person_id=person.id,
            id_token=str(tokens.get("id_token", "")),
        )
        with hub_context().store.transaction() as tx:
            tx.put_web_session(started)
        session["sid"] = started.id
        session["csrf"] = secrets.token_urlsafe(32)
        who = Principal.from_person(person)
        target = inside(str(target), PREFIX)
        return redirect(home_path(who, PREFIX) if target == PREFIX else target)  # type: ignore[return-value]

    server.register_blueprint(bp)


def logout_url(ended: WebSession) -> str | None:
    """Where the browser goes after the hub's session ended: the provider's end-session
    endpoint for a person (RP-initiated logout), back to the login page afterwards."""
    if not ended.person_id or not configured():
        return None
    try:
        found = _client().create_logout_url(
            post_logout_redirect_uri=f"{request.host_url.rstrip('/')}{PREFIX}login",
            id_token_hint=ended.id_token or None,
            client_id=hub_context().settings.oidc_client_id,
        )
    except (OSError, RuntimeError, OAuthError):
        return None  # no end-session endpoint (or none reachable): the hub's logout stands
    url: str = found["url"]
    return url
