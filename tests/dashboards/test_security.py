"""The dashboards' session, its cookie and the headers every answer carries (issue 17,
item 12), through the hub's own Flask app on both stores: a real session store, real
cookies, no browser needed to read a header."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import World

DASH = "/ui/_dash-update-component"


def _csrf(client: FlaskClient) -> str:
    page = client.get("/ui/login").get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def login(client: FlaskClient, world: World, who: str = "soc") -> str:
    """Log in through the form; the session's CSRF token for later form posts."""
    answer = client.post(
        "/ui/login", data={"token": world.tokens[who], "csrf": _csrf(client), "next": "/ui/"}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    cookie = client.get_cookie("_csrf_token", path="/ui/")
    assert cookie is not None
    return cookie.value


def _dash(client: FlaskClient, csrf: str | None) -> int:
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(DASH, json={"output": "x.children"}, headers=headers).status_code


def test_every_answer_carries_the_security_headers(client: FlaskClient, world: World) -> None:
    paths = ["/healthz", "/api/v1/openapi.json", "/api/v1/me", "/taxii2/", "/ui/login",
             "/nowhere", "/api/v1/nowhere"]  # fmt: skip
    for path in paths:
        got = client.get(path, headers=world.auth("admin"))
        h = got.headers
        assert h["X-Frame-Options"] == "DENY", path
        assert h["X-Content-Type-Options"] == "nosniff", path
        assert h["Referrer-Policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"], path
    ui = client.get("/ui/login").headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in ui
        and "'unsafe-inline'" not in ui.split("script-src")[1].split(";")[0]
    )
    assert (
        client.get("/api/v1/me").headers["Content-Security-Policy"].startswith("default-src 'none'")
    )


def test_login_and_form_posts_need_the_csrf_token(client: FlaskClient, world: World) -> None:
    assert client.head("/ui/login").status_code == 200
    _csrf(client)
    for sent in ({}, {"csrf": "forged-forged-forged-forged-forged"}):
        refused = client.post("/ui/login", data={"token": world.tokens["soc"], **sent})
        assert refused.status_code == 400 and "alert-danger" in refused.get_data(as_text=True)
    csrf = login(client, world)
    assert _dash(client, None) == 403  # a callback without the header
    assert _dash(client, "wrong") == 403
    assert _dash(client, csrf) not in (401, 403)
    assert client.post("/ui/logout").status_code == 403  # a logout form with no token


def test_logout_ends_the_session_on_the_server(app: Flask, world: World) -> None:
    browser = app.test_client()
    csrf = login(browser, world)
    session_cookie = browser.get_cookie("session")
    assert session_cookie is not None
    # Someone copied the cookie before the user logged out.
    thief = app.test_client()
    thief.set_cookie("session", session_cookie.value)
    thief.set_cookie("_csrf_token", csrf, path="/ui/")
    assert thief.get("/ui/agency").status_code == 200
    out = browser.post("/ui/logout", data={"csrf": csrf})
    assert out.status_code == 302 and out.headers["Location"].endswith("/ui/login")
    assert thief.get("/ui/agency").status_code == 302  # back to the login page
    assert _dash(thief, csrf) == 401
    assert browser.get("/ui/agency").status_code == 302


def _session_cookie(answer_headers: list[str]) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in answer_headers:
        if header.startswith("session="):
            jar.load(header)
    return jar


@pytest.mark.parametrize(("base", "forced", "secure"), [
    ("http://localhost", False, False), ("https://localhost", False, True),
    ("http://localhost", True, True),
])  # fmt: skip
def test_the_cookie_is_secure_over_https_or_when_forced(
    store: object, settings: Settings, world: World, base: str, forced: bool, secure: bool
) -> None:
    from dataclasses import replace

    app = create_app(replace(settings, ui_secure_cookies=forced), store=world.store)
    client = app.test_client()
    page = client.get("/ui/login", base_url=base)
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    answer = client.post(
        "/ui/login", base_url=base, data={"token": world.tokens["soc"], "csrf": token.group(1)}
    )
    cookies = _session_cookie(answer.headers.getlist("Set-Cookie"))
    assert bool(cookies["session"]["secure"]) is secure
    assert cookies["session"]["httponly"] and cookies["session"]["samesite"] == "Lax"


HOSTILE: list[object] = [{"x": 1}, "zz", 12345678901234567890, None, -5, ["a", 1], True, 1.5,
                         "../../../etc", {"stack": "x"}]  # fmt: skip


def _outputs(output: str) -> object:
    if output.startswith(".."):
        parts = output.strip(".").split("...")
        return [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in parts]
    return {"id": output.split(".")[0], "property": output.split(".")[1]}


def test_malformed_callback_requests_are_4xx_and_never_5xx(
    client: FlaskClient, world: World
) -> None:
    """Issue 17, item 9: malformed Dash callback state gave a 500. Every callback of every
    page, called with hostile values in every input and state, answers below 500; a
    malformed request is a 400 that says what is wrong."""
    csrf = login(client, world, "admin")
    headers = {"X-CSRFToken": csrf}
    deps = client.get("/ui/_dash-dependencies").get_json()
    assert len(deps) > 15
    for sent, expected in (
        ([], "JSON object"),
        ({"output": "nowhere.children", "outputs": {}}, "names no callback"),
        ({"output": "_pages_dummy.children", "outputs": {}}, "runs in the browser"),
    ):
        got = client.post(DASH, json=sent, headers=headers)
        assert got.status_code == 400 and expected in got.get_json()["error"], got.get_json()
    answers = []
    for dep in deps:
        for value in HOSTILE:
            for changed in (True, False):
                body: dict[str, Any] = {
                    "output": dep["output"],
                    "outputs": _outputs(dep["output"]),
                    "inputs": [{**i, "value": value} for i in dep["inputs"]],
                    "state": [{**s, "value": value} for s in dep["state"]],
                    "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]]
                    if changed
                    else [],
                }
                got = client.post(DASH, json=body, headers=headers)
                answers.append(got.status_code)
                assert got.status_code < 500, (dep["output"], value, got.get_data()[:300])
    assert 400 in answers and 200 in answers  # some refused, the well-typed ones answered
    wrong = client.post(DASH, json={"output": deps[0]["output"], "outputs": {},
                                    "inputs": [], "state": []}, headers=headers)  # fmt: skip
    assert wrong.status_code == 400 and "entries" in wrong.get_json()["error"]
