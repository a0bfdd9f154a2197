"""An open incident is risk (issue 23, item 4), on both stores: the same C2 reported by two
agencies raises both agencies' scores, each incident has its row in the triage queue with
its points, the spread of a shared campaign weighs more, and an agency's queue shows only
its own incident."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.model import Role, utcnow
from hub.risk.triage import TriageDesk
from tests.api.test_incidents import C2, _post, bundle, form
from tests.conftest import World
from tests.scoring.test_continuous import latest, score

SOC = Principal("token:soc", Role.SOC_ANALYST, None)


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
