"""Dashboard sessions end when left idle and some hours after sign-in whatever, and an
export needs a recent sign-in (settings session_idle_minutes, session_max_hours,
reauth_minutes). The sessions' clock is moved forward, as time would move it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask

from dashboards import session as sessions
from dashboards.session import require_recent_sign_in
from hub.core.errors import AuthError
from hub.core.model import WebSession, utcnow
from hub.core.store.interface import WEB_SESSIONS
from tests.conftest import World
from tests.dashboards.test_security import login


class Clock:
    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(sessions, "utcnow", moved)
    return moved


def sessions_of(world: World) -> list[WebSession]:
    return list(world.store.iter_all(WEB_SESSIONS))


def test_an_idle_session_ends_and_a_busy_one_is_noted(
    app: Flask, world: World, clock: Clock
) -> None:
    browser = app.test_client()
    login(browser, world)
    (started,) = sessions_of(world)
    assert browser.get("/ui/agency").status_code == 200
    assert sessions_of(world) == [started]  # noted to the minute: not rewritten at once
    clock.ahead = timedelta(minutes=20)
    assert browser.get("/ui/agency").status_code == 200
    (busy,) = sessions_of(world)
    assert busy.last_seen_at is not None and busy.last_seen_at - started.created_at >= clock.ahead
    clock.ahead = timedelta(minutes=40)  # 20 minutes idle since: still within 30
    assert browser.get("/ui/agency").status_code == 200
    clock.ahead = timedelta(minutes=71)  # 31 minutes idle
    assert browser.get("/ui/agency").status_code == 302  # back to the login page
    (ended,) = sessions_of(world)
    assert ended.ended_at is not None  # ended in the store, for every worker


def test_a_session_ends_hours_after_sign_in_however_busy(
    app: Flask, world: World, clock: Clock
) -> None:
    browser = app.test_client()
    login(browser, world)
    for minutes in range(0, 12 * 60, 25):  # a request every 25 minutes for 12 hours
        clock.ahead = timedelta(minutes=minutes)
        assert browser.get("/ui/agency").status_code == 200, minutes
    clock.ahead = timedelta(hours=12, minutes=1)
    assert browser.get("/ui/agency").status_code == 302


def test_an_export_needs_a_recent_sign_in(app: Flask, world: World, clock: Clock) -> None:
    browser = app.test_client()
    login(browser, world, "auditor")
    with browser:
        assert browser.get("/ui/audit").status_code == 200
        require_recent_sign_in()  # signed in just now
    clock.ahead = timedelta(minutes=16)
    with browser:
        assert browser.get("/ui/audit").status_code == 200  # still signed in
        with pytest.raises(AuthError) as refused:
            require_recent_sign_in()
    assert refused.value.hint == "/ui/login"  # a token session signs in again there
