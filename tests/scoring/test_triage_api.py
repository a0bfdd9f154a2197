"""The triage queue and auditor exports through the API, on both stores: actions aggregate
across agencies and rank worst first; each role may do exactly its part; an auditor's
export verifies and recomputes offline and changes nothing but the audit log."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from hub.core.model import Severity, utcnow
from hub.core.settings import Settings
from hub.risk.exports import auditor, recompute
from tests.conftest import World
from tests.scoring.test_continuous import put, score, vuln


def seed(world: World) -> None:
    """Django vulnerable in both agencies (one KEV-listed), an unfixable one in A."""
    t0 = utcnow() - timedelta(days=3)
    due = (t0 + timedelta(days=20)).date().isoformat()
    put(
        world.store,
        vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-1", t0, kev_due=due),
        vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-2", t0, fixed_in=("5.0",)),
        vuln(world, world.system_b, world.asset_b, world.agency_b, "CVE-1", t0),
        vuln(
            world,
            world.system_a,
            world.asset_a,
            world.agency_a,
            "CVE-3",
            t0,
            severity=Severity.LOW,
            purl="pkg:npm/left-pad@1.0.0",
            fixed_in=(),
        ),
    )
    score(world.store, utcnow(), full=True)


def queue(client: FlaskClient, world: World, who: str, **query: str) -> Any:
    got = client.get("/api/v1/triage", query_string=query, headers=world.auth(who))
    assert got.status_code == 200, got.get_json()
    return got.get_json()


def test_actions_aggregate_across_agencies_and_rank_worst_first(
    client: FlaskClient, world: World
) -> None:
    seed(world)
    body = queue(client, world, "soc")
    first, second = body["items"]
    assert body["total"] == 2 and [first["rank"], second["rank"]] == [1, 2]
    assert first["key"] == "upgrade pkg:pypi/django" and first["target"] == "5.0"
    assert (first["findings"], first["assets"], first["agencies"]) == (3, 2, 2)
    assert first["points"] > second["points"] > 0
    assert first["title"].startswith("upgrade pkg:pypi/django to 5.0 on 2 assets in 2 agencies")
    assert "KEV due" in first["title"] and 0 < first["due_in_days"] <= 20
    assert set(first["vulnerabilities"]) == {"CVE-1", "CVE-2"}
    assert second["title"].startswith("mitigate pkg:npm/left-pad (no fixed version yet)")
    assert sorted(first["org_ids"]) == sorted([world.agency_a, world.agency_b])

    # An agency sees its own share of the same action, and never the other agencies.
    mine = queue(client, world, "agency_b")["items"]
    assert [a["key"] for a in mine] == ["upgrade pkg:pypi/django"]
    assert (mine[0]["agencies"], mine[0]["findings"]) == (1, 1) and mine[0]["org_ids"] is None
    assert mine[0]["points"] < first["points"]
    assert client.get("/api/v1/triage", headers=world.auth("partner")).status_code == 403
    assert queue(client, world, "soc", kind="mitigate")["total"] == 1
    bad = client.get("/api/v1/triage?status=later", headers=world.auth("soc"))
    assert bad.status_code == 400 and "status" in bad.get_json()["detail"]


def patch(client: FlaskClient, world: World, who: str, action_id: str, **body: Any) -> Any:
    return client.patch(
        f"/api/v1/triage/{action_id}",
        data=json.dumps(body),
        headers={**world.auth(who), "Content-Type": "application/json"},
    )


def share(client: FlaskClient, world: World, who: str) -> float:
    items = queue(client, world, who)["items"]
    return float(next(a["points"] for a in items if a["key"] == "upgrade pkg:pypi/django"))


def test_each_role_does_its_part_of_triage(client: FlaskClient, world: World) -> None:
    seed(world)
    action = queue(client, world, "soc")["items"][0]
    ok = patch(client, world, "soc", action["id"], status="in_progress", owner="alice")
    assert ok.status_code == 200 and ok.get_json()["status"] == "in_progress"
    assert ok.get_json()["owner"] == "alice"
    same = patch(client, world, "soc", action["id"], status="in_progress", owner="alice")
    assert same.status_code == 200
    head = world.store.audit_head()
    assert patch(client, world, "soc", action["id"], owner="alice").status_code == 200
    assert world.store.audit_head() == head  # the same change twice writes nothing

    # Agencies comment and accept risk for themselves; they do not steer the hub's queue.
    before = world.snapshot()
    denied = patch(client, world, "agency_a", action["id"], status="done")
    assert denied.status_code == 403 and "manage triage" in denied.get_json()["detail"]
    for who in ("auditor", "partner"):
        assert patch(client, world, who, action["id"], comment="x").status_code == 403
    assert world.snapshot() == before
    said = patch(client, world, "agency_a", action["id"], comment="patch window Sunday")
    assert said.status_code == 200
    assert said.get_json()["comments"][-1]["text"] == "patch window Sunday"
    until = (utcnow() + timedelta(days=7)).isoformat()
    no_reason = patch(client, world, "agency_a", action["id"], accepted_until=until)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["detail"]
    past = (utcnow() - timedelta(days=1)).isoformat()
    assert (
        patch(client, world, "agency_a", action["id"], accepted_until=past, reason="r").status_code
        == 422
    )
    a_before, b_before = share(client, world, "agency_a"), share(client, world, "agency_b")
    accepted = patch(
        client, world, "agency_a", action["id"], accepted_until=until, reason="legacy host"
    )
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted_risk"
    # ... for their own agency only: B's share and the hub's status are untouched.
    assert queue(client, world, "agency_b")["items"][0]["status"] == "in_progress"
    assert queue(client, world, "soc")["items"][0]["status"] == "in_progress"
    score(world.store, utcnow())
    a_after = share(client, world, "agency_a")
    assert abs(a_after - a_before * 0.25) < 1e-9  # A's share now counts at a quarter
    assert share(client, world, "agency_b") == b_before
    assert patch(client, world, "agency_b", action["id"] + "x", comment="x").status_code == 404


def test_auditor_exports_verify_recompute_and_change_nothing(
    client: FlaskClient, world: World, settings: Settings
) -> None:
    seed(world)
    counts = world.store.counts()
    head = world.store.audit_head()
    assert head is not None
    made = client.post(
        "/api/v1/exports",
        data=json.dumps({}),
        headers={**world.auth("auditor"), "Content-Type": "application/json"},
    )
    assert made.status_code == 201, made.get_json()
    export = made.get_json()
    # No data changed (scores are computed in memory): only the entry saying who exported.
    assert world.store.counts() == replace(counts, audit_entries=counts.audit_entries + 1)
    entry = world.store.audit_head()
    assert entry is not None and entry.seq == head.seq + 1 and entry.action == "export.create"
    assert export["audit_head"]["seq"] == entry.seq

    # Download every file and check it offline, as an auditor would.
    folder = settings.home / "downloaded"
    folder.mkdir()
    for name in [*export["files"], "manifest.json"]:
        got = client.get(f"/api/v1/exports/{export['id']}/{name}", headers=world.auth("auditor"))
        assert got.status_code == 200, name
        (folder / name).write_bytes(got.data)
    assert auditor.verify(folder, export["public_key"]) == []
    # The spreadsheet view adds up too: each subject's parts sum to its recorded points.
    recorded = {s["subject"]: s["points"] for s in json.loads((folder / "scores.json").read_text())}
    sums: dict[str, float] = {}
    with (folder / "contributions.csv").open() as f:
        for row in csv.DictReader(f):
            if row["reason"] == "part":
                sums[row["subject"]] = sums.get(row["subject"], 0.0) + float(row["points"])
    assert sums.keys() <= recorded.keys() and len(sums) >= 5
    assert all(abs(sums[k] - recorded[k]) < 1e-6 for k in sums)
    page = (folder / "report.html").read_text()
    assert "Agency A" in page and "upgrade pkg:pypi/django" in page and "Thin coverage" in page
    checked, problems = recompute.compare(folder)
    assert problems == [] and checked >= 7  # 2 assets, 2 systems, 2 agencies, the nation

    scores = json.loads((folder / "scores.json").read_text())
    scores[0]["points"] += 1.0
    (folder / "scores.json").write_text(json.dumps(scores))
    _, problems = recompute.compare(folder)
    assert len(problems) == 1 and scores[0]["subject"] in problems[0]

    listed = client.get("/api/v1/exports", headers=world.auth("admin")).get_json()["items"]
    assert [e["id"] for e in listed] == [export["id"]]
    for who in ("agency_a", "soc", "partner"):
        refused = client.post(
            "/api/v1/exports",
            data="{}",
            headers={**world.auth(who), "Content-Type": "application/json"},
        )
        assert refused.status_code == 403, who
    missing = client.get(f"/api/v1/exports/{export['id']}/../x", headers=world.auth("auditor"))
    assert missing.status_code == 404
    # Auditors read everything and change nothing.
    before = world.snapshot()
    assert (
        client.post(
            "/api/v1/systems",
            data=json.dumps({"org_id": world.agency_a, "name": "x"}),
            headers={**world.auth("auditor"), "Content-Type": "application/json"},
        ).status_code
        == 403
    )
    assert world.snapshot() == before


def test_an_agency_reads_only_its_own_comments_on_a_shared_action(
    client: FlaskClient, world: World
) -> None:
    """Issue 17, item 5: on an action both agencies share, B read A's comments with A's
    token ids through the API."""
    seed(world)
    action = queue(client, world, "soc")["items"][0]
    assert action["agencies"] == 2
    said = patch(client, world, "agency_a", action["id"], comment="A: host a patched Sunday")
    assert said.status_code == 200
    assert patch(client, world, "agency_b", action["id"], comment="B: waiting").status_code == 200
    assert patch(client, world, "soc", action["id"], comment="SOC: chase both").status_code == 200

    def texts(who: str) -> list[str]:
        [row] = [a for a in queue(client, world, who)["items"] if a["id"] == action["id"]]
        one = client.get(f"/api/v1/triage/{action['id']}", headers=world.auth(who)).get_json()
        assert one["comments"] == row["comments"]
        return [c["text"] for c in row["comments"]]

    assert texts("agency_a") == ["A: host a patched Sunday"]
    assert texts("agency_b") == ["B: waiting"]
    assert texts("soc") == ["A: host a patched Sunday", "B: waiting", "SOC: chase both"]
    b_view = client.get(f"/api/v1/triage/{action['id']}", headers=world.auth("agency_b"))
    a_token = next(t for t in world.store.list_tokens(org_id=world.agency_a))
    assert a_token.id not in b_view.get_data(as_text=True)
