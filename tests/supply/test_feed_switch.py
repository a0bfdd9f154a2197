"""A feed that is wrong can be put right: content of another kind is refused when it is
added, and a feed can be switched off so that it no longer fails every sync (issue 21,
"feeds can be removed and checked"); the same through the API for an operator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient

from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.core.store.interface import FEEDS
from playbooks.events.sources import FeedFailures
from tests.conftest import World
from tests.supply.test_feeds import FeedServer, crsa, ok

KEV = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2026.12.01",
    "vulnerabilities": [
        {
            "cveID": "CVE-2021-44228",
            "vendorProject": "Apache",
            "product": "Log4j2",
            "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
            "dateAdded": "2021-12-10",
            "dueDate": "2021-12-24",
        }
    ],
}


def kev_file(where: Path) -> Path:
    where.write_text(json.dumps(KEV), encoding="utf-8")
    return where


def test_content_of_another_kind_is_refused_at_add_naming_its_kind(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    ok(home, "init")
    catalog = kev_file(tmp_path / "kev.json")
    refused = crsa(home, "feeds", "add", "osv", str(catalog))
    assert refused.exit_code == 1
    assert f"{catalog} does not hold osv records" in refused.output
    assert f"crsa feeds add kev {catalog}" in refused.output  # what it is, and what to run
    assert "Traceback" not in refused.output
    assert ok(home, "feeds", "list").stdout == ""  # nothing half-registered
    ok(home, "feeds", "add", "kev", str(catalog))
    assert ok(home, "feeds", "sync").stdout.startswith("kev\t1 written")


def test_a_disabled_feed_no_longer_fails_syncs_nor_raises_events(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    ok(home, "init")
    good = kev_file(tmp_path / "kev.json")
    (tmp_path / "mirror").mkdir()
    gone = kev_file(tmp_path / "mirror" / "kev.json")
    ok(home, "feeds", "add", "kev", str(good))
    broken_id = ok(home, "feeds", "add", "kev", str(gone)).stdout.strip()
    gone.unlink()  # the mirror moved: every sync fails on it from now on

    failed = crsa(home, "feeds", "sync")
    assert failed.exit_code == 1 and "1 of 2 feeds failed" in failed.output
    assert crsa(home, "feeds", "sync").exit_code == 1  # and again, until someone acts

    disabled = ok(home, "feeds", "disable", str(gone))  # by location, as feeds list shows
    assert disabled.stdout.strip() == f"{broken_id}\tdisabled\t{gone}"
    assert f"crsa feeds enable {broken_id}" in disabled.stderr
    synced = ok(home, "feeds", "sync")
    assert str(gone) not in synced.stdout
    listed = {line.split("\t")[0]: line for line in ok(home, "feeds", "list").stdout.splitlines()}
    assert listed[broken_id].split("\t")[5:] == ["disabled"]  # and its failure is forgotten

    store = open_store(load_settings(home=home))
    try:
        events = list(FeedFailures().scan(store, datetime.now(UTC), []))
        assert events == []
        actions = [e.action for e in store.iter_audit()]
        assert actions.count("feed.disable") == 1
        assert next(f for f in store.iter_all(FEEDS) if f.id == broken_id).enabled is False
    finally:
        store.close()

    assert ok(home, "feeds", "disable", broken_id).stdout.strip().endswith("disabled\t" + str(gone))
    ok(home, "feeds", "enable", broken_id)
    assert crsa(home, "feeds", "sync").exit_code == 1  # on again: its failure shows again
    unknown = crsa(home, "feeds", "disable", "no-such-feed")
    assert unknown.exit_code == 1 and "no feed 'no-such-feed'" in unknown.output


def test_an_http_feed_of_another_kind_fails_its_sync_with_the_reason(tmp_path: Path) -> None:
    root = tmp_path / "www"
    root.mkdir()
    kev_file(root / "all.json")
    server = FeedServer(root)
    try:
        home = tmp_path / "hub"
        ok(home, "init")
        ok(home, "feeds", "add", "osv", server.url + "/all.json")  # not fetched at add
        failed = crsa(home, "feeds", "sync")
        assert failed.exit_code == 1
        assert f"{server.url}/all.json holds no osv record" in failed.output
        listed = ok(home, "feeds", "list").stdout
        assert "holds no osv record" in listed
    finally:
        server.close()


def test_operators_manage_feeds_through_the_api(
    client: FlaskClient, world: World, tmp_path: Path
) -> None:
    admin = world.auth("admin")
    catalog = str(kev_file(tmp_path / "kev.json"))
    before = world.snapshot()
    wrong = client.post("/api/v1/feeds", json={"source": "osv", "location": catalog}, headers=admin)
    assert wrong.status_code == 422, wrong.get_json()
    assert "does not hold osv records" in wrong.get_json()["detail"]
    assert "crsa feeds add kev" in wrong.get_json()["hint"]
    assert world.snapshot() == before

    made = client.post("/api/v1/feeds", json={"source": "kev", "location": catalog}, headers=admin)
    assert made.status_code == 201, made.get_json()
    feed = made.get_json()
    assert feed["enabled"] is True and feed["source"] == "kev" and feed["location"] == catalog
    after = world.snapshot()
    again = client.post("/api/v1/feeds", json={"source": "kev", "location": catalog}, headers=admin)
    assert again.status_code == 200 and again.get_json()["id"] == feed["id"]
    assert world.snapshot() == after  # the same submission twice changes nothing

    off = client.patch(f"/api/v1/feeds/{feed['id']}", json={"enabled": False}, headers=admin)
    assert off.status_code == 200 and off.get_json()["enabled"] is False
    head = world.store.audit_head()
    assert head is not None and head.action == "feed.disable" and head.target == feed["id"]
    listed = client.get("/api/v1/feeds", headers=admin).get_json()["items"]
    assert [(f["id"], f["enabled"]) for f in listed] == [(feed["id"], False)]

    for who in ("soc", "auditor", "agency_a"):
        assert client.get("/api/v1/feeds", headers=world.auth(who)).status_code == 403
    missing = client.patch("/api/v1/feeds/nope", json={"enabled": True}, headers=admin)
    assert missing.status_code == 404
    bad = client.patch(f"/api/v1/feeds/{feed['id']}", json={"enabled": "perhaps"}, headers=admin)
    assert bad.status_code == 422 and "enabled" in bad.get_json()["detail"]
