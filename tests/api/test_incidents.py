"""Incidents in, correlated, and read in scope (issue 23, items 1, 2 and 7), on both stores:
a form and a STIX bundle, the links each finds and why, clusters across agencies, states,
refusals, and idempotent reports."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from stix2validator import ValidationOptions, validate_instance

from hub.core.auth import Principal
from hub.core.model import Finding, FindingStatus, Severity
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp
from tests.conftest import World
from tests.taxii.test_conformance import ROOT, basic, collection, indicator, post

__all__ = ["collection"]
C2 = "203.0.113.77"
CVE = "CVE-2024-3400"
SEEN = datetime(2026, 11, 30, tzinfo=UTC)


def form(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Beaconing to a known C2",
        "description": "A workstation called out every 60 s.",
        "severity": "high",
        "tlp": "amber",
        "first_activity": "2026-11-28T09:00:00Z",
        "last_activity": "2026-11-29T17:30:00Z",
        "observables": [{"type": "ipv4-addr", "value": C2},
                        {"type": "domain-name", "value": "update.example-c2.net"}],
        "techniques": ["T1071.001", "T1566.001"],
        "vulnerabilities": [CVE],
        **extra,
    }  # fmt: skip


def bundle(n: int, address: str, technique: str = "T1071.001") -> dict[str, Any]:
    """An incident as OpenCTI or a SOC's tooling would send it: incident, observed-data
    with its SCO, an attack-pattern and a relationship."""
    incident = f"incident--00000000-0000-4000-8000-{n:012d}"
    sco = f"ipv4-addr--00000000-0000-4000-8000-{n:012d}"
    attack = f"attack-pattern--00000000-0000-4000-8000-{n:012d}"
    stamp = "2026-11-29T08:00:00.000Z"
    return {
        "type": "bundle",
        "id": f"bundle--00000000-0000-4000-8000-{n:012d}",
        "objects": [
            {"type": "incident", "spec_version": "2.1", "id": incident, "created": stamp,
             "modified": stamp, "name": f"Intrusion {n}",
             "object_marking_refs": [MARKING_IDS[Tlp.GREEN]]},
            {"type": "ipv4-addr", "spec_version": "2.1", "id": sco, "value": address},
            {"type": "observed-data", "spec_version": "2.1",
             "id": f"observed-data--00000000-0000-4000-8000-{n:012d}", "created": stamp,
             "modified": stamp, "first_observed": "2026-11-27T10:00:00Z",
             "last_observed": "2026-11-29T07:00:00Z", "number_observed": 3,
             "object_refs": [sco]},
            {"type": "attack-pattern", "spec_version": "2.1", "id": attack, "created": stamp,
             "modified": stamp, "name": "Web Protocols",
             "external_references": [{"source_name": "mitre-attack", "external_id": technique}]},
            {"type": "relationship", "spec_version": "2.1",
             "id": f"relationship--00000000-0000-4000-8000-{n:012d}", "created": stamp,
             "modified": stamp, "relationship_type": "related-to", "source_ref": incident,
             "target_ref": attack},
        ],
    }  # fmt: skip


def _post(client: FlaskClient, world: World, who: str, body: Any, **query: str) -> Any:
    return client.post("/api/v1/incidents", json=body, query_string=query, headers=world.auth(who))


def _get(client: FlaskClient, world: World, who: str, path: str, **query: str) -> Any:
    got = client.get(f"/api/v1/{path}", query_string=query, headers=world.auth(who))
    assert got.status_code == 200, got.json
    return got.json


def _open_elsewhere(world: World) -> None:
    """Agency B runs the vulnerability agency A's incident names, and it is KEV."""
    asset = world.store.get_asset(world.asset_b)
    assert asset is not None
    purl = "pkg:generic/panos@10.2.0"
    f = Finding(Finding.key_id(asset.id, purl, CVE), asset.org_id, asset.system_id, asset.id,
                purl, CVE, Severity.CRITICAL, 10.0, True, 0.9, FindingStatus.OPEN, SEEN, SEEN,
                None)  # fmt: skip
    with world.store.transaction() as tx:
        tx.put_findings([f])


def test_the_same_observable_in_two_agencies_and_a_partner_indicator(
    client: FlaskClient, world: World, collection: str
) -> None:
    host = world.store.get_asset(world.asset_a)
    assert host is not None
    with world.store.transaction() as tx:  # the victim host holds an observed address
        tx.put_asset(replace(host, addresses=("10.1.2.3",)))
    warning = indicator(7, pattern=f"[ipv4-addr:value = '{C2}']")
    assert post(client, world, "partner", collection, [warning]).status_code == 202
    _open_elsewhere(world)

    a = _post(
        client,
        world,
        "agency_a",
        form(
            observables=[
                {"type": "ipv4-addr", "value": C2},
                {"type": "ipv4-addr", "value": "10.1.2.3"},
            ]
        ),
    )
    assert a.status_code == 201, a.json
    b = _post(client, world, "agency_b", bundle(1, C2))
    assert b.status_code == 201, b.json
    other = _post(client, world, "agency_b", bundle(2, "198.51.100.9", technique="T1071.001"))
    assert other.status_code == 201

    got = a.json
    assert got["org_id"] == world.agency_a and got["state"] == "new"
    assert got["asset_ids"] == [world.asset_a] and got["system_ids"] == [world.system_a]
    assert f"ipv4-addr:value={C2}" in got["observables"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for link in got["links"]:
        by_kind.setdefault(link["kind"], []).append(link)
    assert [x["target"] for x in by_kind["indicator"]] == [warning["id"]]
    assert C2 in by_kind["indicator"][0]["reason"]
    [vuln] = by_kind["vulnerability"]
    assert vuln["target"] == CVE and vuln["detail"]["kev"] is True
    assert vuln["detail"]["agencies"] == [world.agency_b] and "KEV" in vuln["reason"]
    # The agency reads its own incident's links to incidents of others only as far as it
    # sees them: none here. The operator's analysts see the whole cluster.
    assert "incident" not in by_kind
    assert got["cluster"] == [got["id"]]
    soc = _get(client, world, "soc", f"incidents/{got['id']}")
    assert sorted(soc["cluster"]) == sorted([got["id"], b.json["id"]])  # one campaign
    related = {x["target"]: x for x in soc["links"] if x["kind"] == "incident"}
    assert set(related) == {b.json["id"], other.json["id"]}
    assert "shares observable" in related[b.json["id"]]["reason"]
    assert related[other.json["id"]]["reason"] == "shares technique T1071.001"
    # A bundle's incident keeps its STIX id, its marking and its activity window.
    assert b.json["id"] == "incident--00000000-0000-4000-8000-000000000001"
    assert b.json["tlp"] == "green" and b.json["first_activity"].startswith("2026-11-27")
    assert b.json["techniques"] == ["T1071.001"]


def test_what_the_form_becomes_is_valid_stix(client: FlaskClient, world: World) -> None:
    got = _post(client, world, "agency_a", form())
    assert got.status_code == 201, got.json
    objects = got.json["objects"]
    assert {o["type"] for o in objects} >= {
        "incident", "ipv4-addr", "domain-name", "observed-data", "attack-pattern",
        "vulnerability", "relationship",
    }  # fmt: skip
    for obj in objects:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, (obj["type"], [str(e) for e in result.errors])
    incident = next(o for o in objects if o["type"] == "incident")
    assert incident["object_marking_refs"] == [MARKING_IDS[Tlp.AMBER]]
    assert got.json["id"] == incident["id"]


def test_reports_are_idempotent_and_versions_move_forward(
    client: FlaskClient, world: World
) -> None:
    first = _post(client, world, "agency_a", form())
    again = _post(client, world, "agency_a", form())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    head = world.store.audit_head()
    assert _post(client, world, "agency_a", form()).status_code == 200
    assert world.store.audit_head() == head  # nothing written

    sent = bundle(3, C2)
    assert _post(client, world, "agency_b", sent).status_code == 201
    newer = copy.deepcopy(sent)
    newer["objects"][0]["modified"] = "2026-11-30T08:00:00.000Z"
    newer["objects"][0]["name"] = "Intrusion 3, contained"
    updated = _post(client, world, "agency_b", newer)
    assert updated.status_code == 201 and updated.json["title"] == "Intrusion 3, contained"
    stale = _post(client, world, "agency_b", sent)
    assert stale.status_code == 409 and "newer version" in stale.json["detail"]
    stolen = _post(client, world, "agency_a", newer)
    assert stolen.status_code == 409 and "another organization" in stolen.json["detail"]
    actions = [e.action for e in world.store.iter_audit() if e.target == sent["objects"][0]["id"]]
    assert actions == ["incident.report", "incident.update"]


def test_bad_reports_name_the_object_and_property(client: FlaskClient, world: World) -> None:
    broken = bundle(4, C2)
    del broken["objects"][2]["first_observed"]
    refused = _post(client, world, "agency_a", broken)
    assert refused.status_code == 422, refused.json
    assert "objects.2 (observed-data--" in refused.json["detail"]
    assert "first_observed" in refused.json["detail"]
    two = bundle(5, C2)
    two["objects"].append(
        {**two["objects"][0], "id": "incident--10000000-0000-4000-8000-000000000005"}
    )
    assert "2 incident objects" in _post(client, world, "agency_a", two).json["detail"]
    bad_technique = _post(client, world, "agency_a", form(techniques=["phishing"]))
    assert bad_technique.status_code == 422 and "techniques" in bad_technique.json["detail"]
    backwards = _post(client, world, "agency_a", form(last_activity="2026-11-01T00:00:00Z"))
    assert backwards.status_code == 422 and "last_activity" in backwards.json["detail"]
    foreign = _post(client, world, "agency_a", form(assets=[world.asset_b]))
    assert foreign.status_code == 422 and "assets.0" in foreign.json["detail"]
    assert _post(client, world, "agency_a", form(org_id=world.agency_b)).status_code == 403
    nameless = _post(client, world, "soc", bundle(6, C2))
    assert nameless.status_code == 422 and "org_id" in nameless.json["hint"]
    assert _post(client, world, "soc", bundle(6, C2), org_id=world.agency_b).status_code == 201
    assert _post(client, world, "partner", form()).status_code == 403
    assert _post(client, world, "auditor", form()).status_code == 403


def test_scope_states_and_owner(client: FlaskClient, world: World) -> None:
    mine = _post(client, world, "agency_a", form()).json["id"]
    theirs = _post(client, world, "agency_b", bundle(8, C2)).json["id"]
    listed = _get(client, world, "agency_a", "incidents")
    assert [i["id"] for i in listed["items"]] == [mine]
    every = _get(client, world, "auditor", "incidents")
    assert {i["id"] for i in every["items"]} == {mine, theirs}
    hidden = client.get(f"/api/v1/incidents/{theirs}", headers=world.auth("agency_a"))
    assert hidden.status_code == 404
    assert client.get("/api/v1/incidents", headers=world.auth("partner")).status_code == 403

    def move(who: str, incident: str, **body: str) -> Any:
        return client.patch(f"/api/v1/incidents/{incident}", json=body, headers=world.auth(who))

    assert move("agency_a", theirs, state="triaged").status_code == 404
    triaged = move("soc", mine, state="triaged", owner="analyst.sato")
    assert triaged.status_code == 200 and triaged.json["owner"] == "analyst.sato"
    back = move("agency_a", mine, state="new")
    assert back.status_code == 422 and "cannot become new" in back.json["detail"]
    assert move("agency_a", mine, state="closed").json["state"] == "closed"
    assert move("agency_a", mine, state="triaged").json["state"] == "triaged"  # reopened
    open_only = _get(client, world, "soc", "incidents", state="triaged")
    assert [i["id"] for i in open_only["items"]] == [mine]
    changes = [e.detail for e in world.store.iter_audit() if e.action == "incident.change"]
    assert changes[0] == {"owner": ["", "analyst.sato"], "state": ["new", "triaged"]}
    assert len(changes) == 3


def test_the_partner_receives_one_sanitised_report_under_the_right_tlp(
    client: FlaskClient, world: World, collection: str
) -> None:
    """The acceptance flow's sharing half: two agencies report the same C2, and agency A's
    incident goes to partners with no agency name, hostname, internal address or free
    text, as TLP:AMBER, which is stricter than its own GREEN."""
    host = world.store.get_asset(world.asset_a)
    assert host is not None
    with world.store.transaction() as tx:
        tx.put_asset(replace(host, hostname="mail01.agency-a.go.jp", addresses=("10.1.2.3",)))
    shares = SharingDesk(world.store).add_collection(
        Principal.operator("tests"), "Shared by the hub", "t",
        readers=[world.partner], writers=[], default_tlp="amber",
    ).id  # fmt: skip
    sent = form(
        title="Agency A mail server beaconing",
        tlp="green",
        description="Found on Agency A's mail server mail01 by its own SOC.",
        observables=[
            {"type": "ipv4-addr", "value": C2},
            {"type": "ipv4-addr", "value": "10.1.2.3"},
            {"type": "ipv4-addr", "value": "192.0.2.10"},  # public: goes
            {"type": "domain-name", "value": "mail01.agency-a.go.jp"},
            {"type": "domain-name", "value": "update.example-c2.net"},
            {"type": "url", "value": "http://10.1.2.3/owa/auth.js"},
            {"type": "file", "value": "a" * 64},
        ],
    )
    incident = _post(client, world, "agency_a", sent).json["id"]
    assert _post(client, world, "agency_b", bundle(9, C2)).status_code == 201
    cluster = _get(client, world, "soc", f"incidents/{incident}")["cluster"]
    assert len(cluster) == 2

    def share(who: str, **body: Any) -> Any:
        return client.post(
            f"/api/v1/incidents/{incident}/share", json=body, headers=world.auth(who)
        )

    looser = share("agency_a", collection_id=shares, tlp="clear")
    assert looser.status_code == 422 and "less restrictive" in looser.json["detail"]
    unreadable = share("agency_a", collection_id=shares, tlp="amber+strict")
    assert unreadable.status_code == 422 and "would reach no partner" in unreadable.json["detail"]
    assert share("agency_b", collection_id=shares).status_code == 404  # not its incident
    first = share("agency_a", collection_id=shares, tlp="amber")
    assert first.status_code == 200 and first.json["new"] is True, first.json
    again = share("agency_a", collection_id=shares, tlp="amber")
    assert again.json["new"] is False  # the same report: nothing added

    pulled = client.get(f"{ROOT}/collections/{shares}/objects/", headers=basic(world, "partner"))
    got: list[dict[str, Any]] = pulled.get_json()["objects"]
    reports = [o for o in got if o["type"] == "report"]
    assert len(reports) == 1
    [report] = reports
    by_id = {o["id"]: o for o in got}
    assert set(report["object_refs"]) <= set(by_id)
    text = json.dumps(got)
    agency = world.store.get_organization(world.agency_a)
    assert agency is not None
    for secret in (agency.name, "10.1.2.3", "mail01", "Found on", "beaconing", incident):
        assert secret not in text, secret
    for kept in (C2, "192.0.2.10", "update.example-c2.net", "T1071.001", CVE, "a" * 64):
        assert kept in text, kept
    amber = MARKING_IDS[Tlp.AMBER]
    assert all(o.get("object_marking_refs") == [amber] for o in got if o["type"] != "identity")
    for obj in got:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, (obj["type"], [str(e) for e in result.errors])
    shares_seen = [e.detail for e in world.store.iter_audit() if e.action == "incident.share"]
    assert [d["new"] for d in shares_seen] == [True, False]
    assert shares_seen[0]["tlp"] == "amber"


def test_an_owner_may_let_what_identifies_it_go(client: FlaskClient, world: World) -> None:
    shares = SharingDesk(world.store).add_collection(
        Principal.operator("tests"), "Shared", "t", readers=[world.partner], writers=[],
        default_tlp="green",
    ).id  # fmt: skip
    sent = form(observables=[{"type": "ipv4-addr", "value": "10.9.9.9"}], techniques=[],
                vulnerabilities=[], tlp="green")  # fmt: skip
    incident = _post(client, world, "agency_a", sent).json["id"]
    hidden = client.post(
        f"/api/v1/incidents/{incident}/share",
        json={"collection_id": shares},
        headers=world.auth("agency_a"),
    )
    assert hidden.status_code == 422 and "identifies the victim" in str(hidden.json)
    shared = client.post(
        f"/api/v1/incidents/{incident}/share",
        json={"collection_id": shares, "allow": ["addresses", "text", "agency"]},
        headers=world.auth("agency_a"),
    )
    assert shared.status_code == 200, shared.json
    text = json.dumps(shared.get_json()["objects"])
    assert "10.9.9.9" in text and "Beaconing to a known C2" in text and "Agency A" in text


def test_incidents_and_reports_posted_over_taxii_join_the_wall(
    client: FlaskClient, world: World, collection: str
) -> None:
    """A partner posts an incident bundle and a report into a collection it may write: both
    join the wall as the partner's, cluster with an agency's incident sharing the C2, and
    the same envelope again changes nothing."""
    agency = _post(client, world, "agency_a", form()).json["id"]
    sent = bundle(21, C2)["objects"]
    seen_one = indicator(22, pattern="[domain-name:value = 'drop.example-c2.net']")
    report = {"type": "report", "spec_version": "2.1",
              "id": "report--00000000-0000-4000-8000-000000000023",
              "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z",
              "name": "Campaign against ministries", "published": "2026-11-29T10:00:00Z",
              "report_types": ["campaign"], "object_refs": [seen_one["id"]]}  # fmt: skip
    assert post(client, world, "partner", collection, sent).status_code == 202
    assert post(client, world, "partner", collection, [seen_one]).status_code == 202
    assert post(client, world, "partner", collection, [report]).status_code == 202  # refs stored
    taken = {i["id"]: i for i in _get(client, world, "soc", "incidents")["items"]}
    incident_id = sent[0]["id"]
    assert taken[incident_id]["org_id"] == world.partner
    assert taken[incident_id]["observables"] == [f"ipv4-addr:value={C2}"]
    [from_report] = [i for i in taken.values() if i["title"] == "Campaign against ministries"]
    assert from_report["observables"] == ["domain-name:value=drop.example-c2.net"]
    assert sorted(_get(client, world, "soc", f"incidents/{agency}")["cluster"]) == sorted(
        [agency, incident_id]
    )
    head = world.store.audit_head()
    assert post(client, world, "partner", collection, [*sent, report]).status_code == 202
    assert len(_get(client, world, "soc", "incidents")["items"]) == len(taken)
    reports_seen = [e for e in world.store.iter_audit(after_seq=head.seq if head else 0)
                    if e.action.startswith("incident.")]  # fmt: skip
    assert reports_seen == []  # the replay wrote no incident
    # The agency's own view: its incident only; the partner's are the operator's to read.
    mine = _get(client, world, "agency_a", "incidents")["items"]
    assert [i["id"] for i in mine] == [agency]
