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
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from dashboards import signin
from dashboards.access import home_path, inside, may_see
from dashboards.i18n import LANGUAGES, t
from hub.core.auth import Principal, authenticate
from hub.core.errors import AuthError
from hub.core.keyfiles import key_file
from hub.core.model import WebSession, utcnow
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import PERSONS, WEB_SESSIONS
from hub.web.context import hub_context

PREFIX = "/ui/"
OPEN = ("/ui/login", "/ui/lang/", "/ui/assets/", "/ui/_dash-component-suites/", "/ui/_favicon")
CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads
CSRF_HEADER = "X-CSRFToken"
SEEN_EVERY = timedelta(minutes=1)  # how finely a session's last request is kept


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


def _current_session() -> WebSession | None:
    """This browser's session if it still holds, read once per request (the guard and
    every callback of a page ask). One idle too long, or signed in too long ago, ends here
    (for every worker: the end is stored); a session in use has its last request noted,
    to the minute."""
    if "web_session" not in g:
        g.web_session = _read_session()
    found: WebSession | None = g.web_session
    return found


def _read_session() -> WebSession | None:
    sid = session.get("sid")
    found = _store().fetch(WEB_SESSIONS, sid) if isinstance(sid, str) else None
    if found is None or not found.active:
        return None
    now, settings = utcnow(), hub_context().settings
    seen = found.last_seen_at or found.created_at
    if now - found.created_at > timedelta(hours=settings.session_max_hours) or (
        now - seen > timedelta(minutes=settings.session_idle_minutes)
    ):
        with _store().transaction() as tx:
            tx.put_web_session(replace(found, ended_at=now))
        return None
    if now - seen > SEEN_EVERY:
        found = replace(found, last_seen_at=now)
        with _store().transaction() as tx:
            tx.put_web_session(found)
    return found


def require_recent_sign_in() -> None:
    """For exports and risk acceptance: a sign-in within `reauth_minutes`, so a session
    left open on an unattended screen cannot do them. The error says how to sign in again
    (through the provider with `max_age=0` for a person, which asks for the password)."""
    found = _current_session()
    limit = timedelta(minutes=hub_context().settings.reauth_minutes)
    if found is not None and utcnow() - found.created_at <= limit:
        return
    again = (
        f"{PREFIX}login/oidc?reauth=1"
        if found is not None and found.person_id
        else f"{PREFIX}login"
    )
    raise AuthError(t("reauth.needed"), hint=again)


def viewer() -> Principal | None:
    """The logged-in principal, or None (never logged in, logged out, idle or too long
    signed in, token revoked, person disabled in the hub)."""
    found = _current_session()
    if found is None:
        return None
    if found.person_id:
        person = _store().fetch(PERSONS, found.person_id)
        return Principal.from_person(person) if person is not None and person.active else None
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
</form>{_provider_link()}</main></body></html>"""


def _provider_link() -> str:
    """Sign-in through the identity provider, offered first in line when configured."""
    if not signin.configured():
        return ""
    target = html.escape(quote(safe_next(request.args.get("next", PREFIX)), safe="/"))
    return f"""<hr class="my-4"><a id="login-oidc" class="btn btn-outline-primary w-100"
href="{PREFIX}login/oidc?next={target}">{t("login.oidc")}</a>"""


def _code(text: str) -> str:
    """`command` in a catalogue text as code, not as literal backticks."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def safe_next(target: str) -> str:
    return inside(target, PREFIX)


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
        target = safe_next(request.form.get("next", PREFIX))
        # No page asked for: the role's own (an agency user's agency, a partner's sharing).
        return redirect(home_path(who, PREFIX) if target == PREFIX else target)  # type: ignore[return-value]

    @bp.post(f"{PREFIX}logout")
    def logout() -> Response:
        if not _csrf_ok(request.form.get("csrf")):
            return _refused("the logout form has expired: reload the page and log out again")
        sid = session.get("sid")
        found = _store().fetch(WEB_SESSIONS, sid) if isinstance(sid, str) else None
        provider = None
        if found is not None and found.active:
            with _store().transaction() as tx:
                tx.put_web_session(replace(found, ended_at=utcnow()))
            provider = signin.logout_url(found)
        session.clear()
        return redirect(provider or f"{PREFIX}login")  # type: ignore[return-value]

    @bp.get(f"{PREFIX}lang/<code>")
    def choose_language(code: str) -> Response:
        if code in LANGUAGES:
            session["lang"] = code
        return redirect(safe_next(request.args.get("next", PREFIX)))  # type: ignore[return-value]

    server.register_blueprint(bp)
    signin.register(server, settings)

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
        g.principal = who  # for the request's log line
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
