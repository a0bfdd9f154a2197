"""An open incident is risk (issue 23, item 4), on both stores: the same C2 reported by two
agencies raises both agencies' scores, each incident has its row in the triage queue with
its points, the spread of a shared campaign weighs more, and an agency's queue shows only
its own incident."""

from __future__ import annotations

import json
from datetime import timedelta

from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.model import Role, utcnow
from hub.risk.triage import TriageDesk
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp
from tests.api.test_incidents import C2, _get, _post, bundle, form
from tests.conftest import World
from tests.scoring.test_continuous import latest, score
from tests.taxii.test_conformance import ROOT, basic, collection, indicator, post

SOC = Principal("token:soc", Role.SOC_ANALYST, None)
__all__ = ["collection"]


def test_incidents_of_two_agencies_raise_both_and_enter_the_queue(
    client: FlaskClient, world: World
) -> None:
    t0 = utcnow()
    score(world.store, t0, full=True)
    before = {
        o: latest(world.store, f"organization:{o}", t0) for o in (world.agency_a, world.agency_b)
    }

    a = _post(client, world, "agency_a", form(assets=[world.asset_a], observables=[
        {"type": "ipv4-addr", "value": C2}], vulnerabilities=[]))  # fmt: skip
    assert a.status_code == 201, a.json
    b = _post(client, world, "agency_b", bundle(11, C2), system_id=world.system_b)
    assert b.status_code == 201, b.json
    assert b.json["system_ids"] == [world.system_b] and b.json["asset_ids"] == []

    t1 = t0 + timedelta(minutes=1)
    run = score(world.store, t1)
    assert run.rescored == 2  # both agencies' systems were marked by the reports
    after = {o: latest(world.store, f"organization:{o}", t1) for o in before}
    assert after[world.agency_a] > before[world.agency_a]
    assert after[world.agency_b] > before[world.agency_b]

    [host] = world.store.score_history(f"asset:{world.asset_a}")[-1:]
    [part] = [p for p in host.contributions["parts"] if p["detail"].startswith("evidence:incident")]
    reasons = [f["reason"] for f in part["factors"]]
    assert reasons == ["incident", "spread", "criticality"]  # two agencies: a campaign
    assert "severity high" in part["factors"][0]["detail"]

    queue = TriageDesk(world.store).queue(SOC)
    incidents = [r for r in queue if r["kind"] == "incident"]
    assert {r["key"] for r in incidents} == {
        f"investigate incident {a.json['id']}",
        f"investigate incident {b.json['id']}",
    }
    assert all(r["points"] > 0 for r in incidents)
    assert any("Beaconing to a known C2" in r["title"] for r in incidents)
    own = TriageDesk(world.store).queue(Principal("b", Role.AGENCY_SUBMITTER, world.agency_b))
    assert [r["key"] for r in own if r["kind"] == "incident"] == [
        f"investigate incident {b.json['id']}"
    ]

    # Closed, it stops counting once the policy's memory has passed.
    closed = client.patch(f"/api/v1/incidents/{a.json['id']}", json={"state": "closed"},
                          headers=world.auth("agency_a"))  # fmt: skip
    assert closed.status_code == 200
    later = t1 + timedelta(days=31)
    score(world.store, later)
    faded = world.store.score_history(f"asset:{world.asset_a}")[-1]
    parts = [p for p in faded.contributions["parts"] if p["detail"].startswith("evidence:incident")]
    assert all(p["points"] == 0 for p in parts)
    assert latest(world.store, f"organization:{world.agency_a}", later) < after[world.agency_a]


def test_the_knowledge_wall_acceptance_end_to_end(
    client: FlaskClient, world: World, collection: str
) -> None:
    """Issue 23's acceptance, in one run: the same observable reported in incidents of two
    agencies and named by a partner indicator makes one cluster linked to the indicator,
    raises both agencies' risk, and the partner receives one sanitised report with no
    agency name or internal address, under the TLP the owner chose."""
    warning = indicator(41, pattern=f"[ipv4-addr:value = '{C2}']")
    assert post(client, world, "partner", collection, [warning]).status_code == 202
    shares = (
        SharingDesk(world.store)
        .add_collection(
            Principal.operator("t"), "Hub shares", "t", readers=[world.partner], default_tlp="amber"
        )
        .id
    )
    t0 = utcnow()
    score(world.store, t0, full=True)
    before = {
        o: latest(world.store, f"organization:{o}", t0) for o in (world.agency_a, world.agency_b)
    }
    a = _post(client, world, "agency_a", form(
        assets=[world.asset_a], vulnerabilities=[], tlp="green",
        observables=[{"type": "ipv4-addr", "value": C2},
                     {"type": "ipv4-addr", "value": "10.4.4.4"}]))  # fmt: skip
    b = _post(client, world, "agency_b", bundle(42, C2), system_id=world.system_b)
    assert (a.status_code, b.status_code) == (201, 201)

    detail = _get(client, world, "soc", f"incidents/{a.json['id']}")
    assert sorted(detail["cluster"]) == sorted([a.json["id"], b.json["id"]])  # one cluster
    assert warning["id"] in {x["target"] for x in detail["links"] if x["kind"] == "indicator"}

    t1 = t0 + timedelta(minutes=1)
    score(world.store, t1)
    for org in before:  # both agencies' risk raised
        assert latest(world.store, f"organization:{org}", t1) > before[org]

    shared = client.post(f"/api/v1/incidents/{a.json['id']}/share",
                         json={"collection_id": shares, "tlp": "amber"},
                         headers=world.auth("agency_a"))  # fmt: skip
    assert shared.status_code == 200, shared.json
    got = client.get(f"{ROOT}/collections/{shares}/objects/", headers=basic(world, "partner"))
    objects = got.get_json()["objects"]
    assert [o["type"] for o in objects].count("report") == 1
    text = json.dumps(objects)
    agency = world.store.get_organization(world.agency_a)
    assert agency is not None and agency.name not in text and "10.4.4.4" not in text
    assert C2 in text
    amber = MARKING_IDS[Tlp.AMBER]
    assert all(o["object_marking_refs"] == [amber] for o in objects if o["type"] != "identity")
