"""The dashboards in a real headless Chromium, against a hub serving the demo dataset
(built once per run) on 127.0.0.1.

The browser is Debian's chromium driven by its chromedriver through Selenium. Without a
browser the tests skip and say why; under CI (`CI=true`) they must run, so a missing
browser fails instead. Screenshots of every page land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import os
import random
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import ElementClickInterceptedException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from hub.core.model import Role
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.demo import build_demo
from hub.demo.playbooks import run_playbooks
from hub.demo.threats import ThreatSummary, seed_threats
from hub.web.app import create_app
from tests.test_served import free_port

CHROMIUM = Path(os.environ.get("CRSA_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(os.environ.get("CRSA_CHROMEDRIVER", "/usr/bin/chromedriver"))
SHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"


@dataclass(frozen=True)
class Demo:
    url: str
    tokens: dict[Role, str]
    threats: ThreatSummary
    home: Path

    def api(self, path: str, role: Role = Role.ADMIN, **params: str) -> requests.Response:
        return requests.get(
            f"{self.url}/api/v1{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=30,
        )

    def taxii(self, path: str, role: Role = Role.ADMIN, **params: str) -> Any:
        """A TAXII 2.1 answer from the hub's API root, as `role`'s client reads it."""
        got = requests.get(
            f"{self.url}/taxii2/crsa/{path}",
            params=params,
            headers={
                "Authorization": f"Bearer {self.tokens[role]}",
                "Accept": "application/taxii+json;version=2.1",
            },
            timeout=30,
        )
        got.raise_for_status()
        return got.json()

    def objects(self, collection: str, role: Role = Role.ADMIN, **params: str) -> list[Any]:
        found: list[Any] = self.taxii(f"collections/{collection}/objects/", role, **params).get(
            "objects", []
        )
        return found


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("ui-demo")
    settings = load_settings(home=home, ui_language="en")
    store = open_store(settings, must_exist=False)
    store.migrate()
    now = datetime.now(UTC)
    summary = build_demo(store, seed=2026, now=now)
    threats = seed_threats(store, settings, home / "feeds", now, random.Random(2026))
    acted = run_playbooks(store, settings, threats.outbound_collection)
    assert acted.done > 0 and acted.failed == [], acted.failed
    store.close()
    app = create_app(settings)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        tokens = {c.role: c.token for c in summary.credentials}
        yield Demo(f"http://127.0.0.1:{port}", tokens, threats, home)
    finally:
        server.shutdown()


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    ci = os.environ.get("CI") == "true"
    if not (CHROMIUM.exists() and DRIVER.exists() and shutil.which(str(DRIVER))):
        reason = f"no browser: {CHROMIUM} and {DRIVER} are needed (Debian: chromium and"
        reason += " chromium-driver, which `make test` installs when it runs as root)"
        if ci:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        driver = _browser()
    except WebDriverException as exc:
        if ci:
            raise
        pytest.skip(f"chromium would not start: {exc.msg}")
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """One browser, logged in as one role at a time."""

    def __init__(self, driver: webdriver.Chrome, demo: Demo) -> None:
        self.driver = driver
        self.demo = demo

    def login(self, role: Role) -> None:
        self.driver.delete_all_cookies()
        self.driver.get(f"{self.demo.url}/ui/login")
        self.driver.find_element(By.ID, "token").send_keys(self.demo.tokens[role])
        self.driver.find_element(By.ID, "login").click()
        self.wait_for("main")
        # A request the previous page had in flight when its cookies went answers 401: that
        # page's, not the new session's.
        self.errors()

    def open(self, path: str, ready: str) -> str:
        self.driver.get(f"{self.demo.url}/ui{path}")
        return self.wait_for(ready)

    def wait_for(self, element_id: str, seconds: float = 30) -> str:
        found = WebDriverWait(self.driver, seconds).until(
            ec.visibility_of_element_located((By.ID, element_id))
        )
        return str(found.text)

    def click(self, element_id: str) -> None:
        """Scroll the element into the middle of the window first, as a user would."""
        element = self.driver.find_element(By.ID, element_id)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:  # a sticky part of a grid in the way
            self.driver.execute_script("arguments[0].click()", element)

    def click_element(self, element: Any) -> None:
        """Click a found element (a link in a grid cell) as a user would."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        try:
            element.click()
        except ElementClickInterceptedException:  # a sticky part of a grid in the way
            self.driver.execute_script("arguments[0].click()", element)

    def text(self, element_id: str) -> str:
        return str(self.driver.find_element(By.ID, element_id).text)

    def errors(self) -> list[str]:
        """Console errors since the last call (the log is drained as it is read)."""
        logs = self.driver.get_log("browser")
        return [e["message"] for e in logs if e["level"] == "SEVERE"]

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        height = self.driver.execute_script("return document.body.scrollHeight")
        self.driver.set_window_size(1400, min(max(int(height) + 100, 800), 4000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1400, 1000)
        return path


@pytest.fixture
def page(chromium: webdriver.Chrome, demo: Demo) -> Iterator[Page]:
    chromium.get_log("browser")  # start each test with a clean console
    yield Page(chromium, demo)
    # A dashboard left open keeps refreshing itself against the demo server, which runs
    # in this worker: the browser's and the server's work would slow every later test.
    # Its cookies go first, while the page is the hub's: `delete_all_cookies` reaches only
    # the current page's, and the next test starts signed out, as it did before.
    chromium.delete_all_cookies()
    chromium.get("about:blank")
