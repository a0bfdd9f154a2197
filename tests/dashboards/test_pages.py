"""Each dashboard page in Chromium: it renders without console errors, its key numbers are
the API's, a filter works, and an agency user cannot reach another agency's data.
Screenshots of every page go to test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.i18n import TEXT
from hub.core.model import Role
from hub.demo.threats import PORTAL_V2, cyclonedx
from tests.dashboards.conftest import Demo, Page

pytestmark = pytest.mark.browser


def until(page: Page, check: Callable[[], Any], seconds: float = 30) -> Any:
    ignored = (StaleElementReferenceException,)  # the grid re-rendered mid-read: read again
    return WebDriverWait(page.driver, seconds, ignored_exceptions=ignored).until(lambda _: check())


def choose(page: Page, dropdown_id: str, text: str) -> None:
    """Open a dcc.Dropdown and pick the option showing `text`, as a user does."""
    page.click(dropdown_id)

    def option() -> Any:
        found = page.driver.find_elements(By.CSS_SELECTOR, "[role=option]")
        if not found:  # the menu closed as a callback redrew the dropdown: open it again
            page.click(dropdown_id)
            return None
        return next((o for o in found if text in o.text), None)

    found = until(page, option)
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found)
    page.driver.execute_script("arguments[0].click()", found)
    page.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)


def every(demo: Demo, path: str, role: Role = Role.ADMIN, **params: str) -> list[dict[str, Any]]:
    """Every item of a paged API list."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        got = demo.api(path, role, limit="1000", **params, **({"after": after} if after else {}))
        body = got.json()
        items += body["items"]
        after = body.get("next")
        if not after:
            return items


def agencies(demo: Demo) -> list[dict[str, Any]]:
    return every(demo, "/organizations", kind="agency")


def test_overview_numbers_are_the_apis(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    shown = page.open("/", "overview-nation-points")
    nation = demo.api("/scores/nation").json()
    assert shown == f"{nation['points']:,.1f}"
    assert page.text("overview-nation-grade").startswith(f"{nation['grade']:.0f} {nation['band']} ")
    assert nation["band"] not in ("A", "E")  # the demo's nation: in neither end band
    assert page.text("overview-agencies") == str(len(agencies(demo)))
    overdue = [
        f
        for f in every(demo, "/findings", status="open")
        if f["kev"]
        and f["kev_due"]
        and f["kev_due"][:10] < __import__("datetime").date.today().isoformat()
    ]
    assert page.text("overview-kev-overdue") == str(len(overdue))
    top = max(  # graded per asset, so the biggest ministry is not first for its size
        agencies(demo), key=lambda o: demo.api(f"/scores/organization:{o['id']}").json()["grade"]
    )
    assert page.wait_for("overview-ranked-summary").startswith(top["name"])
    # Agency names lead to their agency (issue 21, item 2: navigation wherever a name appears).
    linked = present(page, "#overview-kev-table a")
    assert {a.text for a in linked} <= {o["name"] for o in agencies(demo)} and linked
    # Feeds in the hub's own directory by their path there: no temporary paths on screen.
    until(page, lambda: "kev: feeds/kev.json" in page.text("overview-feeds"))
    assert str(demo.home) not in page.driver.page_source
    page.shot("overview")
    assert page.errors() == []


def test_language_switches_and_stays(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    page.open("/", "overview-nation-points")
    assert page.text("nav-overview") == "National overview"
    page.click("nav-language")
    until(page, lambda: page.text("nav-overview") == "全体概況")
    page.wait_for("overview-nation-points")
    page.shot("overview-ja")
    page.open("/triage", "triage-count")
    assert page.text("nav-triage") == "トリアージ"
    page.click("nav-language")
    until(page, lambda: page.text("nav-triage") == "Triage queue")
    assert page.errors() == []


def test_login_is_required_and_bad_tokens_refused(page: Page, demo: Demo) -> None:
    page.driver.delete_all_cookies()
    page.driver.get(f"{demo.url}/ui/agency")
    page.wait_for("token")
    assert "/ui/login" in page.driver.current_url
    page.driver.find_element(By.ID, "token").send_keys("crsa_not_a_token")
    page.click("login")  # a form post: the answer is a new page, wait for it
    until(page, lambda: "invalid or revoked" in page.driver.page_source)
    update = requests.post(f"{demo.url}/ui/_dash-update-component", json={}, timeout=10)
    assert update.status_code == 401  # no session: no data through the callbacks either
    page.errors()  # the refused login's 401 is expected in the console


def test_agency_page_numbers_filter_paging(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    org = agencies(demo)[3]
    shown = page.open(f"/agency?org={org['id']}", "agency-points")
    score = demo.api(f"/scores/organization:{org['id']}").json()
    assert shown == f"{score['points']:,.1f}"
    assert page.text("agency-grade").startswith(f"{score['grade']:.0f} {score['band']} ")
    assert page.text("agency-per-asset") == f"{score['measure']:,.1f}"
    systems = every(demo, "/systems", org_id=org["id"])
    assert page.text("agency-systems") == str(len(systems))
    page.wait_for("agency-breakdown-summary")

    until(page, lambda: len(asset_rows(page)) == 50)
    first = asset_rows(page)[0].text
    page.click("agency-next")
    until(page, lambda: asset_rows(page) and asset_rows(page)[0].text != first)
    page.shot("agency")
    target = systems[1]
    choose(page, "agency-system-filter", target["name"])
    expected = len(every(demo, "/assets", system_id=target["id"]))
    until(
        page,
        lambda: (
            len(asset_rows(page)) == min(expected, 50)
            and all(target["name"] in r.text for r in asset_rows(page))
        ),
    )
    assert page.errors() == []


def test_agency_system_and_asset_lead_to_each_other(page: Page, demo: Demo) -> None:
    """Agency -> system -> host and back up, each a link (issue 21, item 2): the system
    page's numbers are the API's, its riskiest host is the one the score names, and the
    whole list of its assets is one click away on the agency page."""
    page.login(Role.SOC_ANALYST)
    org = agencies(demo)[2]
    page.open(f"/agency?org={org['id']}", "agency-points")
    link = present(page, "#agency-systems-table a[href*='/ui/system?id=']")[0]
    name = link.text
    page.click_element(link)
    page.wait_for("system-points")
    system_id = page.driver.current_url.split("id=", 1)[1]
    system = demo.api(f"/systems/{system_id}").json()
    assert page.text("system-name") == name == system["name"]
    score = demo.api(f"/scores/system:{system_id}").json()
    assert page.text("system-points") == f"{score['points']:,.1f}"
    assert page.text("system-grade").startswith(f"{score['grade']:.0f} {score['band']} ")
    assets = every(demo, "/assets", system_id=system_id)
    assert page.text("system-assets") == str(len(assets))
    open_ = {f["vuln_id"] for f in every(demo, "/findings", system_id=system_id, status="open")
             if f["severity"] != "info"}  # fmt: skip
    assert page.text("system-vulns") == str(len(open_))
    assert page.driver.find_element(By.CSS_SELECTOR, "#system-trail a").text == org["name"]
    parts = [p for p in score["contributions"] if p["points"] > 0]
    top = max(p["points"] for p in parts)
    worst = {p["detail"].partition("asset:")[2] for p in parts if p["points"] == top}
    hostnames = {a["id"]: a["hostname"] for a in assets}
    host = present(page, "#system-hosts a[href*='/ui/asset?id=']")[0]
    assert host.text in {hostnames.get(w) for w in worst}  # the riskiest first, by name
    page.wait_for("system-severity-summary")
    page.shot("system")
    page.click_element(host)
    page.wait_for("asset-points")
    trail = page.driver.find_elements(By.CSS_SELECTOR, "#asset-trail a")
    assert [a.text for a in trail] == [org["name"], name]
    page.click_element(trail[1])  # up to the system again
    page.wait_for("system-points")
    page.click("system-all-assets")  # the agency page, filtered to this system

    until(
        page,
        lambda: (
            len(asset_rows(page)) == min(len(assets), 50)
            and all(name in r.text for r in asset_rows(page))
        ),
    )
    # An agency user opens its own systems, and another agency's is not there for it.
    page.login(Role.AGENCY_SUBMITTER)
    me = demo.api("/organizations", Role.AGENCY_SUBMITTER).json()["items"][0]
    mine = every(demo, "/systems", Role.AGENCY_SUBMITTER)[0]
    page.open(f"/system?id={mine['id']}", "system-points")
    other = next(s for s in every(demo, "/systems") if s["org_id"] != me["id"])
    page.open(f"/system?id={other['id']}", "denied")
    assert other["name"] not in page.driver.page_source
    assert page.errors() == []


def test_agency_users_see_only_their_agency(page: Page, demo: Demo) -> None:
    page.login(Role.AGENCY_SUBMITTER)
    me = demo.api("/organizations", Role.AGENCY_SUBMITTER).json()["items"]
    assert len(me) == 1
    shown = page.open("/agency", "agency-points")
    assert page.text("agency-name") == me[0]["name"]
    mine = demo.api(f"/scores/organization:{me[0]['id']}", Role.AGENCY_SUBMITTER).json()
    assert shown == f"{mine['points']:,.1f}"
    assert page.driver.find_elements(By.ID, "nav-overview") == []  # no national pages
    other = next(o for o in agencies(demo) if o["id"] != me[0]["id"])
    page.open(f"/agency?org={other['id']}", "denied")
    assert page.driver.find_elements(By.ID, "agency-points") == []
    assert other["name"] not in page.driver.page_source
    foreign = every(demo, "/assets", org_id=other["id"])[0]
    page.open(f"/asset?id={foreign['id']}", "denied")
    assert foreign["hostname"] not in page.driver.page_source
    for path in ("/sharing", "/audit"):
        page.open(path, "denied")
    page.open("/", "agency-points")  # the national overview is not theirs: their agency
    assert page.driver.current_url == f"{demo.url}/ui/agency"
    page.shot("agency-user-denied")
    assert page.errors() == []


def test_asset_page_matches_the_api(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    sighted = demo.threats.sightings
    assert sighted > 0
    findings = every(demo, "/findings", status="open")
    asset_id = max(
        {f["asset_id"] for f in findings if f["asset_id"]},
        key=lambda a: sum(f["asset_id"] == a for f in findings),
    )
    shown = page.open(f"/asset?id={asset_id}", "asset-findings")
    assert shown == str(sum(f["asset_id"] == asset_id for f in findings))
    packages = demo.api(f"/assets/{asset_id}/packages").json()
    assert page.text("asset-software") == str(len(packages["items"]))
    score = demo.api(f"/scores/asset:{asset_id}").json()
    assert page.text("asset-points") == f"{score['points']:,.1f}"
    page.wait_for("asset-timeline-summary")
    page.shot("asset")
    assert page.errors() == []


def test_vulnerabilities_page_and_its_kev_filter(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    findings = every(demo, "/findings", status="open")
    vulns = {f["vuln_id"] for f in findings if f["severity"] != "info"}
    kev = {f["vuln_id"] for f in findings if f["kev"]}
    unrated = [f for f in findings if f["severity"] == "unknown"]
    assert page.open("/vulnerabilities", "vulns-count") == str(len(vulns))
    assert page.text("vulns-kev") == str(len(kev))
    assert page.text("vulns-unrated") == str(len(unrated))  # counted, never hidden
    assert "unrated" in page.wait_for("vulns-severity-summary")
    # Open findings by severity over 90 days: today's is today's count, and a month ago
    # is what the findings' first-seen and fixed dates say (issue 21, item 2).
    assert page.wait_for("vulns-history-summary") == page.text("vulns-severity-summary")
    drawn = until(page, lambda: page.driver.execute_script(
        "var g = document.querySelector('#vulns-history .js-plotly-plot');"
        "return g && g.data && g.data.map(function (t) { return [t.name, t.x, t.y]; });"
    ))  # fmt: skip
    day = __import__("datetime").date.today() - __import__("datetime").timedelta(days=30)
    expected: dict[str, int] = {}
    for f in every(demo, "/findings"):
        opened = f["first_seen"][:10] <= day.isoformat()
        fixed = f["status"] == "fixed" and (f["fixed_at"] or "")[:10] <= day.isoformat()
        if f["severity"] != "info" and f["status"] != "suppressed" and opened and not fixed:
            expected[f["severity"]] = expected.get(f["severity"], 0) + 1
    words = {"critical": "critical", "high": "high", "medium": "medium", "unknown": "unrated",
             "low": "low", "none": "none"}  # fmt: skip
    at = {name: ys[[str(x)[:10] for x in xs].index(day.isoformat())] for name, xs, ys in drawn}
    assert at == {words[s]: expected.get(s, 0) for s in words}
    assert len({sum(ys[i] for _, _, ys in drawn) for i in range(90)}) > 1  # it moved
    page.driver.find_element(By.XPATH, "//label[contains(., 'Exploited (KEV) only')]").click()
    until(page, lambda: page.text("vulns-count") == str(len(kev)))
    page.shot("vulnerabilities")
    assert page.errors() == []


def test_sbom_page_upload_and_diff(page: Page, demo: Demo, tmp_path: Path) -> None:
    page.login(Role.AGENCY_SUBMITTER)
    me = demo.api("/organizations", Role.AGENCY_SUBMITTER).json()["items"][0]
    systems = every(demo, "/systems", Role.AGENCY_SUBMITTER)

    def count() -> int:
        return sum(
            len(demo.api(f"/systems/{s['id']}/sboms", Role.AGENCY_SUBMITTER).json()["items"])
            for s in systems
        )

    before = count()
    assert before >= 2 and me["name"]
    assert page.open("/sbom", "sbom-count") == str(before)
    page.wait_for("sbom-diff-table")  # the two demo versions of one system, compared
    compared = page.text("sbom-diff-table")
    assert "log4j-core@2.14.1" in compared and "→ 2.17.1" in compared  # older to newer
    assert page.driver.find_elements(By.ID, "sbom-diff-subjects") == []  # one subject
    # Picked the other way round, the diff still reads older to newer.
    old, new = (
        re.findall(r"· ([0-9a-f]{8})", page.driver.find_element(By.ID, f"sbom-diff-{d}").text)[0]
        for d in ("old", "new")
    )
    choose(page, "sbom-diff-old", new)
    until(page, lambda: page.driver.find_elements(By.ID, "sbom-diff-table") == [])  # same one
    choose(page, "sbom-diff-new", old)

    def swapped() -> bool:
        shown = page.driver.find_elements(By.ID, "sbom-diff-table")
        return bool(shown) and "log4j-core@2.14.1" in shown[0].text and "→ 2.17.1" in shown[0].text

    until(page, swapped)
    target = systems[-1]
    choose(page, "sbom-upload-system", target["name"])
    document = tmp_path / "sbom.cdx.json"
    odd = ("thing", "1.0", "pkg:conan/thing@1.0")  # an ecosystem no advisory names
    document.write_bytes(cyclonedx(target["name"], 7, (*PORTAL_V2, odd)))
    page.driver.find_element(By.CSS_SELECTOR, "#sbom-upload input[type=file]").send_keys(
        str(document)
    )
    saved = page.wait_for("sbom-saved")
    # What the hub could not identify or judge is listed with the reason, at once ...
    assert "no purl" in saved and "pkg:conan/thing@1.0: no advisory ecosystem" in saved
    until(page, lambda: page.text("sbom-count") == str(before + 1))
    assert count() == before + 1
    # ... and on the page, for every current SBOM.
    until(page, lambda: "pkg:conan/thing@1.0" in page.text("sbom-unjudged-table"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": "x"}))
    page.driver.find_element(By.CSS_SELECTOR, "#sbom-upload input[type=file]").send_keys(str(bad))
    assert "Refused" in page.wait_for("sbom-refused")
    assert count() == before + 1  # nothing half-written
    page.shot("sbom")
    assert page.errors() == []


def test_sharing_page_counts_and_tlp_filter(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    shown = page.open("/sharing", "sharing-sightings")
    assert shown == str(demo.threats.sightings)
    assert page.text("sharing-in") == str(demo.threats.objects)
    published = demo.objects(demo.threats.outbound_collection, Role.PARTNER, limit="1000")
    partner = [
        o
        for o in published
        if o["type"] == "sighting" and o["sighting_of_ref"].endswith("-5d1e-4c9a-9b7e-2f6a3c8d1e4b")
    ]
    assert sum(o["count"] for o in partner) == demo.threats.sightings  # shared as shown
    # Sightings name what people know: the indicator, its partner, the host, not their ids.
    seen = page.text("sharing-sightings-table")
    assert "indicator--" not in seen and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", seen)
    hostnames = {a["hostname"] for a in every(demo, "/assets")}
    assert any(h and h in seen for h in hostnames)
    # The indicators themselves, as an analyst reads them: name, pattern, confidence and
    # partner, each a link to its page.
    shared = demo.objects(demo.threats.inbound_collection, limit="1000")
    listed = {r["pattern"]: r for r in grid_rows(page, "sharing-indicators")}
    for o in (o for o in shared if o["type"] == "indicator"):
        row = listed[o["pattern"]]
        assert (row["indicator"], row["confidence"]) == (o["name"], o["confidence"])
        assert row["partner"] == "Financials ISAC Japan" and row["href"].endswith(o["id"])
    assert "[ipv4-addr:value ISSUBSET '192.0.2.0/24']" not in listed  # TLP:RED, the partner's
    assert page.driver.find_elements(
        By.CSS_SELECTOR, "#sharing-indicators a[href*='/ui/indicator?id=']"
    )
    choose(page, "sharing-tlp", "AMBER")
    until(
        page,
        lambda: "GREEN" not in page.text("sharing-table") and "AMBER" in page.text("sharing-table"),
    )
    page.shot("sharing")
    assert page.errors() == []


def test_triage_queue_filters_and_status_changes(page: Page, demo: Demo) -> None:
    page.login(Role.SOC_ANALYST)
    queue = demo.api("/triage", Role.SOC_ANALYST, limit="1000").json()
    assert page.open("/triage", "triage-count") == str(queue["total"])
    top = queue["items"][0]
    assert page.text("triage-top") == f"{top['points']:,.1f}"
    # The figure says what it counts: the top action's points, not the queue's.
    label = page.driver.find_element(By.XPATH, "//*[@id='triage-top']/preceding-sibling::div")
    assert label.text == "Risk points the top action removes"
    choose(page, "triage-action", f"#{top['rank']} ")
    choose(page, "triage-new-status", "in progress")
    page.click("triage-apply")
    page.wait_for("triage-saved")
    after = demo.api(f"/triage/{top['id']}", Role.SOC_ANALYST).json()
    assert after["status"] == "in_progress"
    busy = demo.api("/triage", Role.SOC_ANALYST, status="in_progress", limit="1000").json()
    assert busy["total"] > 1  # the one just set, and those the demo's playbooks put in progress
    choose(page, "triage-status", "in progress")
    until(page, lambda: page.text("triage-count") == str(busy["total"]))
    assert "in_progress" not in page.text("triage-table")  # statuses in words
    page.shot("triage")
    page.login(Role.AGENCY_SUBMITTER)
    mine = demo.api("/triage", Role.AGENCY_SUBMITTER, limit="1000").json()
    assert page.open("/triage", "triage-count") == str(mine["total"])
    assert page.errors() == []


def test_audit_page_exports_and_verifies(page: Page, demo: Demo) -> None:
    page.login(Role.AUDITOR)
    head = demo.api("/audit/verify", Role.AUDITOR).json()
    assert head["ok"]
    shown = page.open("/audit", "audit-entries")
    assert int(shown) >= head["checked"]
    assert page.text("audit-chain") == "intact"
    page.click("audit-export")
    made = page.wait_for("audit-made", 120)
    export_id = made.split(": ")[-1]
    listed = demo.api("/exports", Role.AUDITOR).json()["items"]
    assert export_id in {e["id"] for e in listed}
    choose(page, "audit-exports", export_id[:8])
    page.click("audit-verify")
    page.wait_for("audit-verified", 60)
    page.shot("audit")
    assert page.errors() == []


def test_the_demo_playbooks_act_visibly(page: Page, demo: Demo) -> None:
    """Issue 9: the built-in playbooks ran over the demo: sightings under investigation on
    the triage queue, sighted hosts tagged, KEV findings due soon put in progress."""
    page.login(Role.SOC_ANALYST)
    opened = demo.api("/triage", Role.SOC_ANALYST, kind="sighting", limit="1000").json()
    assert opened["total"] > 0
    assert {i["playbook"] for i in opened["items"]} == {"sighting-investigate"}
    page.open("/triage", "triage-count")
    choose(page, "triage-kind", "sighting")
    until(page, lambda: page.text("triage-count") == str(opened["total"]))
    until(page, lambda: "sighting-investigate" in page.text("triage-table"))
    assert "investigate" in page.text("triage-table")
    page.shot("triage-playbooks")

    # every active sighting's host, and those whose sighting ended lately (still decaying)
    assert sum(i["assets"] for i in opened["items"]) >= demo.threats.sightings
    assert all(i["points"] > 0 for i in opened["items"])
    note = opened["items"][0]["comments"][0]["text"]  # "... seen on asset ID since ..."
    host = note.split(" seen on asset ", 1)[1].split(" ", 1)[0]
    page.open(f"/asset?id={host}", "asset-findings")
    assert "ioc-sighted" in page.text("asset-tags")
    assert page.errors() == []


def test_user_supplied_text_is_shown_as_text(page: Page, demo: Demo) -> None:
    """Issue 17, item 13: a hostname holding Markdown rendered as a live link in the
    agency page's asset grid."""
    org = agencies(demo)[0]
    [asset] = demo.api("/assets", org_id=org["id"], limit="1").json()["items"]
    evil = "[click me](https://evil.example/x) <b>bold</b> **strong**"
    url = f"{demo.url}/api/v1/assets/{asset['id']}"
    auth = {"Authorization": f"Bearer {demo.tokens[Role.ADMIN]}"}
    assert requests.patch(url, json={"hostname": evil}, headers=auth, timeout=30).ok
    try:
        page.login(Role.SOC_ANALYST)
        page.open(f"/agency?org={org['id']}", "agency-points")
        cell = until(
            page,
            lambda: [
                c
                for c in page.driver.find_elements(
                    By.CSS_SELECTOR, "#agency-assets [col-id=hostname]"
                )
                if "click me" in c.text
            ],
        )[0]
        assert cell.text == evil  # every character shown, none interpreted
        links = cell.find_elements(By.TAG_NAME, "a")
        assert [a.get_attribute("href") for a in links] == [f"{demo.url}/ui/asset?id={asset['id']}"]
        assert not page.driver.find_elements(By.CSS_SELECTOR, "a[href^='https://evil']")
        assert not cell.find_elements(By.TAG_NAME, "b") and not cell.find_elements(
            By.TAG_NAME, "strong"
        )
        assert page.errors() == []
    finally:
        restore = {"hostname": asset["hostname"]}
        assert requests.patch(url, json=restore, headers=auth, timeout=30).ok


def test_each_role_lands_on_its_own_page(page: Page, demo: Demo) -> None:
    """After signing in with no page asked for, nobody lands on "Not found, or not yours to
    see": analysts on the national overview, an agency user on its agency, an auditor on
    audit and export, a partner on its own collections (issue 21, item 5)."""
    landings = {
        Role.ADMIN: ("/ui/", "overview-agencies"),
        Role.SOC_ANALYST: ("/ui/", "overview-agencies"),
        Role.AGENCY_SUBMITTER: ("/ui/agency", "agency-points"),
        Role.AUDITOR: ("/ui/audit", "audit-entries"),
        Role.PARTNER: ("/ui/sharing", "sharing-collections"),
    }
    for role, (path, ready) in landings.items():
        page.login(role)
        page.wait_for(ready)
        assert page.driver.current_url == f"{demo.url}{path}", role
        assert page.driver.find_elements(By.ID, "denied") == [], role
    mine = demo.api("/organizations", Role.AGENCY_SUBMITTER).json()["items"][0]
    page.login(Role.AGENCY_SUBMITTER)
    assert page.wait_for("agency-name") == mine["name"]


def test_a_partner_sees_its_collections_and_nothing_of_the_agencies(page: Page, demo: Demo) -> None:
    theirs = demo.taxii("collections/", Role.PARTNER)["collections"]
    assert theirs  # the demo partner reads the hub's publication and writes its own
    page.login(Role.PARTNER)
    assert page.wait_for("sharing-collections") == str(len(theirs))
    table = page.text("sharing-collections-table")
    for c in theirs:
        assert c["title"] in table
        assert f"/taxii2/crsa/collections/{c['id']}/objects/" in page.driver.page_source
    path = f"collections/{demo.threats.outbound_collection}/objects/"
    readable = demo.taxii(path, Role.PARTNER, limit="1000")
    assert not readable.get("more")
    shown = next(
        r
        for r in page.driver.find_elements(By.CSS_SELECTOR, "#sharing-collections-table .ag-row")
        if demo.threats.outbound_collection in r.text
    )
    assert f" {len(readable['objects'])} " in f" {shown.text.replace(chr(10), ' ')} "
    # Nothing of the agencies': no sightings, hosts or agency names, no other pages.
    assert page.driver.find_elements(By.ID, "sharing-sightings") == []
    for agency in agencies(demo):
        assert agency["name"] not in page.driver.page_source
    for other in ("nav-overview", "nav-agency", "nav-triage", "nav-audit"):
        assert page.driver.find_elements(By.ID, other) == []
    page.shot("sharing-partner")
    page.open("/triage", "denied")
    assert page.errors() == []


def test_every_page_reads_in_japanese(page: Page, demo: Demo) -> None:
    """Each page in Japanese: no English phrase of the catalogue and none of the grid's
    own ("No Rows To Show", "Page 1 of 2") is left on it (issue 21, item 4)."""
    page.login(Role.SOC_ANALYST)
    page.driver.get(f"{demo.url}/ui/lang/ja?next=/ui/")
    target = agencies(demo)[0]
    sighted = every(demo, "/assets", org_id=target["id"])[0]
    pages = {
        "": "overview-agencies",
        f"/agency?org={target['id']}": "agency-points",
        f"/asset?id={sighted['id']}": "asset-points",
        f"/system?id={sighted['system_id']}": "system-points",
        "/vulnerabilities": "vulns-count",
        f"/vulnerability?id={every(demo, '/findings', status='open')[0]['vuln_id']}": (
            "vulnerability-hosts"
        ),
        f"/indicator?id={first_indicator(demo)}": "indicator-hosts",
        "/sbom": "sbom-count",
        "/sharing": "sharing-sightings",
        "/triage": "triage-count",
        "/audit": "audit-entries",
    }
    english = {en for ja, en in TEXT.values() if ja != en and len(en.split()) >= 2}
    english |= {"No Rows To Show", "Page Size", "Page 1 of", "Filter..."}
    for path, ready in pages.items():
        page.open(path or "/", ready)
        present(page, ".ag-root-wrapper")
        text = body_text(page)
        left = sorted(e for e in english if e in text)
        assert left == [], (path, left)
        if path.startswith(("/agency", "/system")):  # the score's flags, in its chart too
            chart = f"{path[1:].split('?')[0]}-breakdown"
            labels = chart_labels(page, chart)
            flagged = [label for label in labels if label.endswith(")")]
            assert flagged, (chart, labels)  # there are flags to read, so this can fail
            shown = [label[label.rindex("(") + 1 : -1] for label in flagged]
            assert not [f for f in shown if re.search("[A-Za-z]", f)], flagged  # all Japanese
        if path == "/triage":  # the actions' titles too, worded from the catalogue
            assert "risk points" not in text and "リスク点" in page.text("triage-table")
        page.shot(f"{(path.strip('/').split('?')[0] or 'overview')}-ja")
    assert page.errors() == []
    page.driver.get(f"{demo.url}/ui/lang/en?next=/ui/")


def first_indicator(demo: Demo) -> str:
    found = demo.objects(
        demo.threats.inbound_collection, Role.ADMIN, **{"match[type]": "indicator"}
    )
    return str(found[0]["id"])


def asset_rows(page: Page) -> list[Any]:
    """The rows the agency page's asset grid shows now."""
    found: list[Any] = page.driver.find_elements(
        By.CSS_SELECTOR, "#agency-assets .ag-center-cols-container .ag-row"
    )
    return found


def chart_labels(page: Page, chart_id: str) -> list[str]:
    """The category labels of a bar chart as Plotly drew it (SVG text is not in the
    page's text)."""
    script = (
        "const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        " return g && g.data && g.data.length ? g.data[0].y : null;"
    )
    labels: list[str] = until(page, lambda: page.driver.execute_script(script, chart_id))
    return labels


def present(page: Page, css: str) -> list[Any]:
    """The elements `css` selects, once there are any."""
    found: list[Any] = until(page, lambda: page.driver.find_elements(By.CSS_SELECTOR, css))
    return found


def grid_rows(page: Page, grid_id: str) -> list[dict[str, Any]]:
    """Every row a grid holds (all its pages), as the page gave them to it."""
    rows: list[dict[str, Any]] = until(
        page,
        lambda: page.driver.execute_script(
            "const api = dash_ag_grid.getApi(arguments[0]); const rows = [];"
            " api.forEachNode(n => rows.push(n.data)); return rows.length ? rows : null;",
            grid_id,
        ),
    )
    return rows


def body_text(page: Page) -> str:
    return str(page.driver.find_element(By.TAG_NAME, "body").text)


def test_a_vulnerability_has_its_own_page_one_click_from_the_list(page: Page, demo: Demo) -> None:
    """From the vulnerabilities page to one vulnerability (what it is, where it is open, by
    agency, system and host), and from there to a host (issue 21, item 2)."""
    page.login(Role.SOC_ANALYST)
    page.open("/vulnerabilities", "vulns-count")
    link = present(page, "#vulns-table a")[0]
    vuln = link.text
    assert re.fullmatch(r"[A-Z]+-[\w.-]+", vuln) and "..." not in vuln  # whole, not cut
    page.click_element(link)
    hosts = page.wait_for("vulnerability-hosts")
    assert page.driver.current_url == f"{demo.url}/ui/vulnerability?id={vuln}"
    assert page.text("vulnerability-name") == vuln
    found = every(demo, "/findings", vuln_id=vuln, status="open")
    assert hosts == str(len({f["asset_id"] or f"system:{f['system_id']}" for f in found}))
    assert page.text("vulnerability-agencies") == str(len({f["org_id"] for f in found}))
    facts = page.text("vulnerability-facts")
    if found[0]["kev"]:
        assert f"Yes, Due {found[0]['kev_due']}" in facts or found[0]["kev_due"] in facts
    # Since when: its open findings over 90 days end at today's count, in its severity.
    sev = found[0]["severity"]
    word = TEXT[f"severity.{sev}"][1] if f"severity.{sev}" in TEXT else sev
    assert f"{word} {len(found)}" in page.wait_for("vulnerability-history-summary")
    hosts_open = {a["hostname"] for a in every(demo, "/assets") if a["id"] in
                  {f["asset_id"] for f in found}}  # fmt: skip
    target = present(page, "#vulnerability-table a[href*='/ui/asset?id=']")[0]
    host = target.text
    assert host in hosts_open  # a host it is open on, by name
    agency_link = page.driver.find_elements(
        By.CSS_SELECTOR, "#vulnerability-table a[href*='/ui/agency?org=']"
    )
    assert agency_link and agency_link[0].text in {o["name"] for o in agencies(demo)}
    page.click_element(target)
    page.wait_for("asset-points")
    assert "/ui/asset?id=" in page.driver.current_url and host in page.driver.page_source
    page.shot("vulnerability-asset")
    page.open(f"/vulnerability?id={vuln}", "vulnerability-hosts")
    page.shot("vulnerability")
    # An agency user sees its own part of it, and nothing of an id it has no finding of.
    page.login(Role.AGENCY_SUBMITTER)
    mine = every(demo, "/findings", Role.AGENCY_SUBMITTER, status="open")[0]["vuln_id"]
    page.open(f"/vulnerability?id={mine}", "vulnerability-agencies")
    assert page.text("vulnerability-agencies") == "1"
    page.open("/vulnerability?id=CVE-1999-0000", "denied")
    assert page.errors() == []


def test_an_indicator_has_its_own_page_one_click_from_its_sightings(page: Page, demo: Demo) -> None:
    """From a sighting to its indicator: its pattern, partner, TLP and every host it was
    seen on, each a link (issue 21, item 2)."""
    page.login(Role.SOC_ANALYST)
    page.open("/sharing", "sharing-sightings")
    link = present(page, "#sharing-sightings-table a[href*='/ui/indicator?id=']")[0]
    name = link.text
    page.click_element(link)
    page.wait_for("indicator-hosts")
    indicator_id = page.driver.current_url.split("id=", 1)[1]
    assert indicator_id.startswith("indicator--") and page.text("indicator-name") == name
    held = demo.objects(demo.threats.inbound_collection, limit="1000")
    stix = next(o for o in held if o["id"] == indicator_id)
    assert page.text("indicator-pattern") == stix["pattern"]
    assert int(page.text("indicator-hosts")) >= 1
    # The vulnerability the partner relates a C2 server to (indicator -> malware -> CVE),
    # with the hosts that have it open, one click from its page.
    c2 = next(o for o in held if o.get("name") == "C2 server")
    page.open(f"/indicator?id={c2['id']}", "indicator-hosts")
    related = present(page, "#indicator-vulns a[href*='/ui/vulnerability?id=']")
    assert [a.text for a in related] == ["CVE-2021-44228"]
    open_ = every(demo, "/findings", vuln_id="CVE-2021-44228", status="open")
    row = page.driver.find_element(By.CSS_SELECTOR, "#indicator-vulns .ag-row").text
    assert "indicates → exploits" in row
    assert str(len({f["asset_id"] or f["system_id"] for f in open_})) in row.split()
    page.shot("indicator")
    page.open(f"/indicator?id={indicator_id}", "indicator-hosts")
    host = present(page, "#indicator-sightings a[href*='/ui/asset?id=']")[0]
    shown = host.text
    page.click_element(host)
    page.wait_for("asset-points")
    assert shown in page.driver.page_source
    page.login(Role.AGENCY_SUBMITTER)  # partner intelligence is the SOC's to read here
    page.open(f"/indicator?id={indicator_id}", "denied")
    assert page.errors() == []
