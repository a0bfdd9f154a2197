"""Sign-in through a real identity provider: Keycloak (devtools/keycloak.py), started by
the tests with the realm in devtools/keycloak-realm.json (groups soc-analysts, agency-a,
agency-b, visitors and their users).

The flow is tested twice: through the Flask test client with Keycloak's own login form
posted by `requests` (quick, every branch), and in headless Chromium through Keycloak's
login page, as an analyst and as an agency user, who land on their pages, act, and are
named in the audit log."""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from joserfc.errors import JoseError
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from dashboards import session as sessions
from dashboards.session import require_recent_sign_in
from devtools.keycloak import CLIENT_ID, Keycloak
from hub.core.auth import Principal
from hub.core.errors import AuthError
from hub.core.model import Role, utcnow
from hub.core.settings import Settings, load_settings
from hub.core.store.interface import PERSONS
from hub.core.store.sqlite import SqliteStore
from hub.demo.threats import PORTAL_V2, cyclonedx
from hub.people import People
from hub.web.app import create_app
from tests.conftest import World, seed_world
from tests.dashboards.conftest import Demo, Page
from tests.dashboards.test_pages import choose
from tests.test_served import free_port

pytestmark = pytest.mark.keycloak
ROOT = Principal.operator("tests")


def oidc_settings(home: Path, keycloak: Keycloak) -> Settings:
    return load_settings(
        home=home,
        ui_language="en",
        oidc_issuer=keycloak.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=keycloak.client_secret,
    )


def map_groups(people: People, operator: str, agency_a: str, agency_b: str) -> None:
    people.map_group(ROOT, "soc-analysts", operator, Role.SOC_ANALYST, "t")
    people.map_group(ROOT, "agency-a", agency_a, Role.AGENCY_SUBMITTER, "t")
    people.map_group(ROOT, "agency-b", agency_b, Role.AGENCY_SUBMITTER, "t")


# Through the test client --------------------------------------------------------------
@pytest.fixture
def hub(tmp_path: Path, keycloak: Keycloak) -> Iterator[tuple[Flask, World]]:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    world = seed_world(store)
    map_groups(People(store), world.operator, world.agency_a, world.agency_b)
    yield create_app(oidc_settings(tmp_path, keycloak), store=store), world
    store.close()


def provider_form(page: str) -> str:
    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*>', page)
    assert found, page[:2000]
    action = re.search(r'action="([^"]+)"', found.group(0))
    assert action
    return html.unescape(action.group(1))


def sign_in(client: FlaskClient, username: str, password: str) -> tuple[requests.Response, str]:
    """Keycloak's login form filled in as a browser would; returns the provider's answer
    and, when it sent the browser back, the callback path it sent it to."""
    start = client.get("/ui/login/oidc")
    assert start.status_code == 302, start.text
    browser = requests.Session()
    form = browser.get(start.headers["Location"], timeout=30)
    # Keycloak's cookies are Secure; browsers send those to 127.0.0.1 over plain HTTP too
    # (loopback counts as a secure context), `requests` does not unless told.
    for cookie in browser.cookies:
        cookie.secure = False
    answer = browser.post(
        provider_form(form.text),
        data={"username": username, "password": password, "credentialId": ""},
        allow_redirects=False,
        timeout=30,
    )
    back = answer.headers.get("Location", "")
    return answer, back.removeprefix("http://localhost") if back.startswith(
        "http://localhost/"
    ) else ""


def test_login_oidc_redirects_to_the_provider_with_pkce_and_state(
    hub: tuple[Flask, World], keycloak: Keycloak
) -> None:
    client = hub[0].test_client()
    login = client.get("/ui/login")
    assert 'id="login-oidc"' in login.text and "/ui/login/oidc" in login.text
    went = client.get("/ui/login/oidc?next=/ui/triage")
    assert went.status_code == 302
    target = urlparse(went.headers["Location"])
    metadata = keycloak.get_json(f"{keycloak.issuer}/.well-known/openid-configuration")
    assert f"{target.scheme}://{target.netloc}{target.path}" == metadata["authorization_endpoint"]
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"])  # SHA-256, base64url
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert "openid" in query["scope"].split()
    assert query["redirect_uri"] == "http://localhost/ui/login/oidc/callback"
    # Each start is a new state and challenge.
    again = parse_qs(urlparse(client.get("/ui/login/oidc").headers["Location"]).query)
    assert (
        again["state"][0] != query["state"]
        and again["code_challenge"][0] != query["code_challenge"]
    )


def test_a_mapped_person_signs_in_lands_and_is_named(hub: tuple[Flask, World]) -> None:
    app, world = hub
    client = app.test_client()
    _, back = sign_in(client, "taro", "agency-pass")
    assert back.startswith("/ui/login/oidc/callback?")
    landed = client.get(back)
    assert landed.status_code == 302 and landed.headers["Location"] == "/ui/agency"
    assert client.get("/ui/agency").status_code == 200
    person = next(iter(world.store.iter_all(PERSONS)))
    assert (person.display_name, person.email) == ("Taro Suzuki", "taro@agency-a.example.go.jp")
    assert (person.org_id, person.role, person.groups) == (
        world.agency_a,
        Role.AGENCY_SUBMITTER,
        ("agency-a",),
    )
    entry = world.store.audit_head()
    assert entry is not None and entry.action == "person.sign_in"
    assert "Taro Suzuki" in entry.actor and person.subject in entry.actor
    # Listed through the API, for admins only.
    listed = client.get("/api/v1/persons", headers=world.auth("admin")).json
    assert listed is not None
    assert [p["display_name"] for p in listed["items"]] == ["Taro Suzuki"]
    assert client.get("/api/v1/persons", headers=world.auth("soc")).status_code == 403
    # Disabled here: the session ends at once, and a new sign-in is refused with why.
    patched = client.patch(
        f"/api/v1/persons/{person.id}", json={"disabled": True}, headers=world.auth("admin")
    )
    assert patched.status_code == 200 and (patched.json or {})["disabled_at"]
    assert client.get("/ui/agency").status_code == 302
    _, back = sign_in(client, "taro", "agency-pass")
    refused = client.get(back)
    assert refused.status_code == 403 and "disabled in this hub" in refused.text


def test_an_export_asks_a_person_for_their_password_again(
    hub: tuple[Flask, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sensitive action a while after sign-in sends the person back to the provider
    with max_age=0 and prompt=login: the provider's single sign-on session is not enough."""
    app = hub[0]
    client = app.test_client()
    _, back = sign_in(client, "hanako", "analyst-pass")
    assert client.get(back).status_code == 302
    with client:
        client.get("/ui/")
        require_recent_sign_in()  # just signed in
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    with client:
        assert client.get("/ui/").status_code == 200  # still signed in
        with pytest.raises(AuthError) as refused:
            require_recent_sign_in()
    again = refused.value.hint
    assert again == "/ui/login/oidc?reauth=1"
    went = client.get(again)
    query = parse_qs(urlparse(went.headers["Location"]).query)
    assert query["max_age"] == ["0"] and query["prompt"] == ["login"]


def test_a_person_whose_groups_map_to_nothing_is_told_why(hub: tuple[Flask, World]) -> None:
    app, world = hub
    client = app.test_client()
    _, back = sign_in(client, "guest", "guest-pass")
    refused = client.get(back)
    assert refused.status_code == 403
    assert "visitors" in refused.text and "crsa idp map" in refused.text
    assert list(world.store.iter_all(PERSONS)) == []
    assert client.get("/ui/").status_code == 302  # no session


def test_a_wrong_password_never_comes_back_to_the_hub(hub: tuple[Flask, World]) -> None:
    answer, back = sign_in(hub[0].test_client(), "taro", "not-the-password")
    assert back == "" and answer.status_code == 200  # Keycloak's form again, with its error


def test_a_callback_with_a_forged_state_is_refused(hub: tuple[Flask, World]) -> None:
    client = hub[0].test_client()
    _, back = sign_in(client, "taro", "agency-pass")
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    refused = client.get(forged)
    assert refused.status_code == 401 and "could not be verified" in refused.text
    assert list(hub[1].store.iter_all(PERSONS)) == []


def _tamper(id_token: str, **changes: object) -> str:
    head, body, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


def test_a_tampered_id_token_is_refused(hub: tuple[Flask, World], keycloak: Keycloak) -> None:
    """The validation the callback runs (authlib's, with the provider's JWKS): a real ID
    token passes; the same token with one claim changed does not."""
    app = hub[0]
    tokens = keycloak.password_grant("taro", "agency-pass")
    with app.test_request_context("/ui/login/oidc/callback"):
        idp = app.extensions["crsa_oidc"].idp
        claims = idp.parse_id_token(tokens, nonce=None, leeway=120)
        assert claims["preferred_username"] == "taro" and claims["aud"] == CLIENT_ID
        for changes in ({"groups": ["soc-analysts"]}, {"sub": "someone-else"}):
            forged = {**tokens, "id_token": _tamper(tokens["id_token"], **changes)}
            with pytest.raises(JoseError):
                idp.parse_id_token(forged, nonce=None, leeway=120)


# In Chromium, through Keycloak's own pages ---------------------------------------------
@dataclass(frozen=True)
class SignInHub:
    url: str
    world: World


@pytest.fixture(scope="module")
def signin_hub(tmp_path_factory: pytest.TempPathFactory, keycloak: Keycloak) -> Iterator[SignInHub]:
    """A small hub of its own (the seeded world) served with sign-in through Keycloak."""
    home = tmp_path_factory.mktemp("signin-hub")
    store = SqliteStore(home / "crsa.db")
    store.migrate()
    world = seed_world(store)
    map_groups(People(store), world.operator, world.agency_a, world.agency_b)
    port = free_port()
    server = make_server(
        "127.0.0.1", port, create_app(oidc_settings(home, keycloak), store=store), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SignInHub(f"http://127.0.0.1:{port}", world)
    finally:
        server.shutdown()
        store.close()


@pytest.fixture
def here(chromium: Any, signin_hub: SignInHub) -> Page:
    """The browser on the sign-in hub; `login` signs in with the seeded world's tokens."""
    chromium.get_log("browser")
    tokens = {Role.AUDITOR: signin_hub.world.tokens["auditor"]}
    return Page(chromium, Demo(signin_hub.url, tokens, None, signin_hub.world.store.path))  # type: ignore[arg-type, attr-defined]


def forget_everyone(driver: Any) -> None:
    """Every cookie of the browser, the hub's and the provider's single sign-on session
    (under /realms/, out of reach of a page of the hub), as a fresh browser would be."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def browser_sign_in(here: Page, username: str, password: str) -> None:
    forget_everyone(here.driver)
    here.driver.get(f"{here.demo.url}/ui/login")
    here.click("login-oidc")
    here.wait_for("username")
    here.driver.find_element(By.ID, "username").send_keys(username)
    here.driver.find_element(By.ID, "password").send_keys(password)
    here.driver.find_element(By.ID, "kc-login").click()


@pytest.mark.browser
def test_staff_sign_in_through_keycloak_act_and_are_named_in_the_audit_log(
    here: Page, signin_hub: SignInHub, keycloak: Keycloak, tmp_path: Path
) -> None:
    url, world = signin_hub.url, signin_hub.world
    # The login page and the provider's own, as staff see them (docs/operations.md).
    forget_everyone(here.driver)
    here.driver.get(f"{url}/ui/login")
    here.wait_for("login-oidc")
    here.shot("signin-login")
    here.click("login-oidc")
    here.wait_for("username")
    assert here.driver.current_url.startswith(keycloak.issuer)
    here.shot("signin-keycloak")

    # An analyst lands on the national overview, greeted by name.
    browser_sign_in(here, "hanako", "analyst-pass")
    here.wait_for("overview-agencies")
    assert here.driver.current_url == f"{url}/ui/"
    assert here.text("nav-who") == "Hanako Sato"

    # An agency user lands on their own agency's page and submits an SBOM there.
    browser_sign_in(here, "taro", "agency-pass")
    here.wait_for("agency-points")
    assert here.driver.current_url == f"{url}/ui/agency"
    assert here.wait_for("agency-name") == "Agency A"
    assert here.text("nav-who") == "Taro Suzuki"
    here.shot("signin-agency")
    here.open("/sbom", "sbom-count")
    choose(here, "sbom-upload-system", "Portal A")
    document = tmp_path / "portal.cdx.json"
    document.write_bytes(cyclonedx("Portal A", 2, PORTAL_V2))
    here.driver.find_element(By.CSS_SELECTOR, "#sbom-upload input[type=file]").send_keys(
        str(document)
    )
    here.wait_for("sbom-saved")
    submitted = [e for e in world.store.iter_audit() if e.action == "sbom.submit"]
    assert len(submitted) == 1 and "Taro Suzuki" in submitted[0].actor

    # The audit log names both, by name.
    here.login(Role.AUDITOR)
    here.open("/audit", "audit-entries")

    def named() -> bool:
        shown = here.text("audit-log-table")
        return "Taro Suzuki" in shown and "Hanako Sato" in shown and "sbom.submit" in shown

    WebDriverWait(here.driver, 30).until(lambda _: named())
    assert "person.sign_in" in here.text("audit-log-table")
    assert here.errors() == []


@pytest.mark.browser
def test_a_user_disabled_at_the_provider_cannot_sign_in_again(
    here: Page, signin_hub: SignInHub, keycloak: Keycloak
) -> None:
    url = signin_hub.url
    browser_sign_in(here, "jiro", "agency-pass")
    here.wait_for("agency-points")
    assert here.wait_for("agency-name") == "Agency B"
    # Logging out ends the provider's session too: the next sign-in asks for a password.
    here.click("nav-logout")
    WebDriverWait(here.driver, 30).until(lambda d: d.current_url.startswith(f"{url}/ui/login"))
    here.click("login-oidc")
    here.wait_for("username")
    keycloak.set_user_enabled("jiro", False)
    try:
        here.driver.find_element(By.ID, "username").send_keys("jiro")
        here.driver.find_element(By.ID, "password").send_keys("agency-pass")
        here.driver.find_element(By.ID, "kc-login").click()
        # The page is replaced as the provider answers: a body read as it goes is stale,
        # and read again (a fresh-clone run failed on that once).
        WebDriverWait(here.driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: "disabled" in d.find_element(By.TAG_NAME, "body").text.lower()
        )
        assert here.driver.current_url.startswith(keycloak.url)
        here.driver.get(f"{url}/ui/agency")
        here.wait_for("login-oidc")  # no session: back at the login page
    finally:
        keycloak.set_user_enabled("jiro", True)
