"""Who is looking: a login with a hub access token, kept as a server-side session.

The signed cookie holds only a session id and a CSRF token. The session itself lives in
the store (`WebSession`), and every request looks it and its token up again: logging out
ends the session for good (a copied cookie is worth nothing after it), and a revoked
token ends its sessions at once. The signing key is a key file of the hub's
(`keys/session.key`, made once through `hub.core.keyfiles`), so all workers accept the same
cookies.

Forms carry the CSRF token (login, logout); Dash's own callback requests carry it in the
`X-CSRFToken` header, which the Dash renderer copies from the `_csrf_token` cookie. The
cookie is Secure over HTTPS, or always with `ui_secure_cookies`.
"""

from __future__ import annotations

import hmac
import html
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse

from flask import Blueprint, Flask, Response, current_app, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from dashboards.access import home_path, may_see
from dashboards.i18n import LANGUAGES, t
from hub.core.auth import Principal, authenticate
from hub.core.errors import AuthError
from hub.core.keyfiles import key_file
from hub.core.model import WebSession, utcnow
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import WEB_SESSIONS

PREFIX = "/ui/"
OPEN = ("/ui/login", "/ui/lang/", "/ui/assets/", "/ui/_dash-component-suites/", "/ui/_favicon")
CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads
CSRF_HEADER = "X-CSRFToken"


def session_key(home: Path) -> bytes:
    """The cookie-signing key, shared by every worker: made once, through the one helper
    every key file goes through (`hub.core.keyfiles`)."""
    return key_file(home, "session.key", lambda: secrets.token_hex(32).encode())


class _SessionCookies(SecureCookieSessionInterface):
    """Secure cookies over HTTPS, and over HTTP too when the operator says a TLS proxy
    stands in front (`ui_secure_cookies`)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _store() -> Store:
    store: Store = current_app.extensions["crsa"].store
    return store


def viewer() -> Principal | None:
    """The logged-in principal, or None (never logged in, logged out, token revoked)."""
    sid = session.get("sid")
    found = _store().fetch(WEB_SESSIONS, sid) if isinstance(sid, str) else None
    if found is None or not found.active:
        return None
    token = _store().get_token(found.token_id)
    if token is None or not token.active:
        return None
    return Principal.from_token(token)


def csrf_token() -> str:
    """This browser session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok(presented: str | None) -> bool:
    expected = session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(presented, str)
        and hmac.compare_digest(expected.encode(), presented.encode())
    )


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
<p class="form-text">{_code(html.escape(t("login.help")))}</p>
{f'<p class="alert alert-danger" role="alert">{html.escape(error)}</p>' if error else ""}
<input type="hidden" name="next" value="{html.escape(request.args.get("next", PREFIX))}">
<input type="hidden" name="csrf" value="{html.escape(csrf_token())}">
<button id="login" class="btn btn-primary" type="submit">{t("login")}</button>
<a class="ms-3" href="{PREFIX}lang/{_other(lang)}?next={PREFIX}login">{t("language")}</a>
</form></main></body></html>"""


def _code(text: str) -> str:
    """`command` in a catalogue text as code, not as literal backticks."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _safe_next(target: str) -> str:
    """Only paths inside the dashboards: a login link must not send anyone elsewhere."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith(PREFIX):
        return PREFIX
    return target


def _refused(why: str) -> Response:
    return Response(f'{{"error": "{why}"}}', 403, mimetype="application/json")


def register(server: Flask, settings: Settings) -> None:
    server.secret_key = session_key(settings.home)
    server.session_interface = _SessionCookies()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.ui_secure_cookies,
    )
    bp = Blueprint("ui_session", __name__)

    @bp.route(f"{PREFIX}login", methods=["GET", "POST"])
    def login() -> Response | str:
        if request.method != "POST":  # GET, and HEAD as a GET without its body
            return _login_page()
        if not _csrf_ok(request.form.get("csrf")):
            return Response(_login_page(t("login.expired")), status=400)
        try:
            who = authenticate(_store(), request.form.get("token", "").strip())
        except AuthError:
            return Response(_login_page(t("login.bad")), status=401)
        assert who.token_id is not None
        lang = session.get("lang")
        session.clear()  # a fresh session at login: nothing carried over from before
        if lang:
            session["lang"] = lang
        started = WebSession(secrets.token_urlsafe(32), who.token_id, utcnow())
        with _store().transaction() as tx:
            tx.put_web_session(started)
        session["sid"] = started.id
        csrf_token()
        target = _safe_next(request.form.get("next", PREFIX))
        # No page asked for: the role's own (an agency user's agency, a partner's sharing).
        return redirect(home_path(who, PREFIX) if target == PREFIX else target)  # type: ignore[return-value]

    @bp.post(f"{PREFIX}logout")
    def logout() -> Response:
        if not _csrf_ok(request.form.get("csrf")):
            return _refused("the logout form has expired: reload the page and log out again")
        sid = session.get("sid")
        found = _store().fetch(WEB_SESSIONS, sid) if isinstance(sid, str) else None
        if found is not None and found.active:
            with _store().transaction() as tx:
                tx.put_web_session(WebSession(found.id, found.token_id, found.created_at, utcnow()))
        session.clear()
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
        if not path.startswith(PREFIX) or path.startswith(OPEN):
            return None
        if viewer() is None:
            if path.startswith(f"{PREFIX}_dash-") or request.method != "GET":
                return Response('{"error": "log in first"}', 401, mimetype="application/json")
            return redirect(f"{PREFIX}login?next={request.full_path}")  # type: ignore[return-value]
        presented = request.headers.get(CSRF_HEADER) or request.form.get("csrf")
        if request.method == "POST" and not _csrf_ok(presented):
            return _refused("missing or wrong CSRF token: reload the page")
        who = viewer()
        if path == PREFIX and who is not None and not may_see(who, "overview"):
            return redirect(home_path(who, PREFIX))  # type: ignore[return-value]
        return None

    @server.after_request
    def csrf_cookie(response: Response) -> Response:
        """The Dash renderer sends this cookie's value back as X-CSRFToken."""
        token = session.get("csrf")
        stale = request.cookies.get(CSRF_COOKIE) != token
        if request.path.startswith(PREFIX) and isinstance(token, str) and stale:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                secure=server.session_interface.get_cookie_secure(server),
                samesite="Strict",
                path=PREFIX,
            )
        return response
