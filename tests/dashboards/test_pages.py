"""Each dashboard page in Chromium: it renders without console errors, its key numbers are
the API's, a filter works, and an agency user cannot reach another agency's data."""

from __future__ import annotations

from hub.model import Role
from tests.dashboards.conftest import Demo, Page


def test_overview_numbers_are_the_apis(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    shown = page.open("/", "overview-nation-points")
    nation = demo.api("/scores/nation").json()
    assert shown == f"{nation['points']:,.1f}"
    assert page.text("overview-nation-grade") == f"{nation['grade']:.0f}"
    agencies = demo.api("/organizations", kind="agency", limit="500").json()["items"]
    assert page.text("overview-agencies") == str(len(agencies))
    page.wait_for("overview-ranked-summary")
    page.shot("overview")
    assert page.errors() == []
