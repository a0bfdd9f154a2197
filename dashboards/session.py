"""Who is looking: a login with a hub access token, kept in a signed session cookie.

The session holds only the token's id; every request looks the token up again, so a
revoked token ends its sessions at once. The signing key lives in the hub's home
(`keys/session.key`, created on first use, readable by the hub's user only), so all workers
of a served hub accept the same sessions.
"""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from urllib.parse import urlparse

from flask import Blueprint, Flask, Response, current_app, redirect, request, session

from dashboards.i18n import LANGUAGES, t
from hub.auth import Principal, authenticate
from hub.errors import AuthError
from hub.keyfiles import key_file
from hub.store import Store

PREFIX = "/ui/"
OPEN = ("/ui/login", "/ui/lang/", "/ui/assets/", "/ui/_dash-component-suites/", "/ui/_favicon")


def session_key(home: Path) -> bytes:
    """The cookie-signing key, shared by every worker: made once, through the one helper
    every key file goes through (`hub.keyfiles`)."""
    return key_file(home, "session.key", lambda: secrets.token_hex(32).encode())


def _store() -> Store:
    store: Store = current_app.extensions["crsa"].store
    return store


def viewer() -> Principal | None:
    """The logged-in principal, or None (never logged in, logged out, token revoked)."""
    token_id = session.get("token_id")
    token = _store().get_token(token_id) if isinstance(token_id, str) else None
    if token is None or not token.active:
        return None
    return Principal.from_token(token)


def _other(lang: str) -> str:
    return "en" if (lang or "ja") == "ja" else "ja"


def _login_page(error: str = "") -> str:
    lang = session.get("lang", "")
    return f"""<!doctype html><html lang="{lang or "ja"}"><head><meta charset="utf-8">
<title>{t("app")}: {t("login")}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="{PREFIX}assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width:28rem;margin-top:10vh">
<h1 class="h3 mb-3">{t("app")}</h1>
<form method="post" action="{PREFIX}login">
<label for="token" class="form-label">{t("token")}</label>
<input id="token" name="token" type="password" class="form-control" autocomplete="off" autofocus>
<p class="form-text">{html.escape(t("login.help"))}</p>
{f'<p class="alert alert-danger" role="alert">{html.escape(error)}</p>' if error else ""}
<input type="hidden" name="next" value="{html.escape(request.args.get("next", PREFIX))}">
<button id="login" class="btn btn-primary" type="submit">{t("login")}</button>
<a class="ms-3" href="{PREFIX}lang/{_other(lang)}?next={PREFIX}login">{t("language")}</a>
</form></main></body></html>"""


def _safe_next(target: str) -> str:
    """Only paths inside the dashboards: a login link must not send anyone elsewhere."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith(PREFIX):
        return PREFIX
    return target


def register(server: Flask, home: Path) -> None:
    server.secret_key = session_key(home)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    bp = Blueprint("ui_session", __name__)

    @bp.route(f"{PREFIX}login", methods=["GET", "POST"])
    def login() -> Response | str:
        if request.method == "GET":
            return _login_page()
        try:
            who = authenticate(_store(), request.form.get("token", "").strip())
        except AuthError:
            return Response(_login_page(t("login.bad")), status=401)
        lang = session.get("lang")
        session.clear()  # a fresh session at login: nothing carried over from before
        if lang:
            session["lang"] = lang
        session["token_id"] = who.token_id
        return redirect(_safe_next(request.form.get("next", PREFIX)))  # type: ignore[return-value]

    @bp.get(f"{PREFIX}logout")
    def logout() -> Response:
        session.pop("token_id", None)
        return redirect(f"{PREFIX}login")  # type: ignore[return-value]

    @bp.get(f"{PREFIX}lang/<code>")
    def choose_language(code: str) -> Response:
        if code in LANGUAGES:
            session["lang"] = code
        return redirect(_safe_next(request.args.get("next", PREFIX)))  # type: ignore[return-value]

    server.register_blueprint(bp)

    @server.before_request
    def guard() -> Response | None:
        path = request.path
        if not path.startswith(PREFIX) or path.startswith(OPEN) or viewer() is not None:
            return None
        if path.startswith(f"{PREFIX}_dash-") or request.method != "GET":
            return Response('{"error": "log in first"}', 401, mimetype="application/json")
        return redirect(f"{PREFIX}login?next={request.full_path}")  # type: ignore[return-value]
