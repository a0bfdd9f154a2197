"""Partner indicators against telemetry: the indexed fast path answers exactly what the
OASIS stix2-matcher answers alone; sightings raise the hosts' scores while they last and
are shared back counted, never named."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from stix2matcher.matcher import Pattern
from stix2validator import ValidationOptions, validate_instance

from hub.auth import Principal
from hub.model import OrgKind, utcnow
from hub.scoring import default_policy
from hub.sharing.desk import SharingDesk
from hub.sharing.ioc import Host, compile_simple, match, record
from hub.sharing.outbound import publish, stix_id
from tests.conftest import World
from tests.scoring.test_continuous import put, score, vuln
from tests.scoring.test_scores import host_batch
from tests.taxii.test_conformance import ROOT, basic, indicator, post

T = datetime(2026, 11, 1, tzinfo=UTC)


def corpus(rng: random.Random) -> tuple[dict[str, str], list[Host]]:
    ips = [f"203.0.113.{n}" for n in range(40)] + ["2001:db8::1", "2001:db8::2"]
    hashes = [f"{n:064x}" for n in range(1, 30)]
    hosts = []
    for n in range(25):
        keys = {("ipv6-addr:value" if ":" in ip else "ipv4-addr:value", ip)
                for ip in rng.sample(ips, 4)}  # fmt: skip
        keys |= {("file:hashes.'SHA-256'", h) for h in rng.sample(hashes, 3)}
        hosts.append(Host(f"asset-{n}", "org", "sys", T, frozenset(keys)))
    patterns = {}
    for n in range(60):
        ip, other, digest = rng.choice(ips), rng.choice(ips), rng.choice(hashes)
        kind = "ipv6-addr" if ":" in ip else "ipv4-addr"
        okind = "ipv6-addr" if ":" in other else "ipv4-addr"
        patterns[f"indicator--{n}"] = rng.choice(
            [
                f"[{kind}:value = '{ip}']",
                f"[file:hashes.'SHA-256' = '{digest}']",
                f"[{kind}:value = '{ip}'] OR [file:hashes.'SHA-256' = '{digest}']",
                f"[{kind}:value = '{ip}' OR {okind}:value = '{other}']",
                "[ipv4-addr:value ISSUBSET '203.0.113.0/28']",
                f"[ipv4-addr:value MATCHES '^203\\\\.0\\\\.113\\\\.{n % 10}']",
                f"[{kind}:value = '{ip}'] AND [file:hashes.'SHA-256' = '{digest}']",
                f"[file:hashes.'SHA-256' LIKE '{digest[:60]}%']",
                f"[{kind}:value != '{ip}']",
            ]
        )
    return patterns, hosts


def test_the_fast_path_answers_exactly_what_stix2_matcher_answers() -> None:
    patterns, hosts = corpus(random.Random(5))
    simple = [p for p in patterns.values() if compile_simple(p) is not None]
    assert 10 < len(simple) < len(patterns)  # both paths are exercised
    ours = match(patterns, hosts)
    for indicator_id, pattern in patterns.items():
        compiled = Pattern(pattern, stix_version="2.1")
        theirs = {h.asset_id for h in hosts if compiled.match(h.bundle())}
        assert ours.get(indicator_id, set()) == theirs, pattern
    assert (
        compile_simple("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']")
        is None
    )
    assert compile_simple("[ipv4-addr:value = 'it\\'s']") == [("ipv4-addr:value", "it's")]


def test_sightings_raise_scores_while_they_last_and_are_shared(
    client: FlaskClient, world: World
) -> None:
    root = Principal.operator("tests")
    desk = SharingDesk(world.store)
    inbound = desk.add_collection(
        root, "ISAC indicators", "t", readers=[world.partner], writers=[world.partner]
    )
    outbound = desk.add_collection(
        root, "Hub sightings", "t", readers=[world.partner], default_tlp="green"
    )
    bad = indicator(7, pattern="[ipv4-addr:value = '203.0.113.7']")
    expired = indicator(8, pattern="[ipv4-addr:value = '203.0.113.7']",
                        valid_until="2026-01-02T00:00:00Z")  # fmt: skip
    assert post(client, world, "partner", inbound.id, [bad, expired]).status_code == 202

    batch = host_batch(world.system_a, "web-1", failed_check=False)
    batch["packages"] = []
    batch["connections"] = [
        {"protocol": "tcp", "state": "established", "local_address": "10.0.0.5",
         "local_port": 51000, "remote_address": "203.0.113.7", "remote_port": 443},
    ]  # fmt: skip
    sent = client.post(
        "/api/v1/inventory",
        data=json.dumps(batch),
        headers={**world.auth("agency_a"), "Content-Type": "application/json"},
    )
    assert sent.status_code == 201, sent.get_json()
    asset_id = sent.get_json()["asset_id"]
    t0 = utcnow()
    put(world.store, vuln(world, world.system_a, asset_id, world.agency_a, "CVE-1", t0))
    score(world.store, t0, full=True)
    before = world.store.score_history(f"asset:{asset_id}")[-1].points

    first = record(world.store, t0)
    assert (first.indicators, first.sightings, first.new) == (1, 1, 1)  # the expired one: no
    run = score(world.store, t0 + timedelta(minutes=1))
    assert run.rescored == 1
    sighted = world.store.score_history(f"asset:{asset_id}")[-1]
    assert sighted.points == before * default_policy().sighting_factor
    assert "sighting" in json.dumps(sighted.contributions)
    assert record(world.store, t0 + timedelta(minutes=2)).new == 0  # seen again: no change

    [operator] = world.store.list_organizations(kind=OrgKind.OPERATOR)
    assert publish(world.store, outbound.id, operator, utcnow(), "t") is not None
    got = client.get(f"{ROOT}/collections/{outbound.id}/objects/", headers=basic(world, "partner"))
    shared = {o["id"]: o for o in got.get_json()["objects"]}
    sighting = shared[stix_id("sighting", bad["id"])]
    assert sighting["sighting_of_ref"] == bad["id"] and sighting["count"] == 1
    assert sighting["description"] == "Seen on 1 hosts in 1 agencies."
    assert asset_id not in got.get_data(as_text=True) and "web-1" not in got.get_data(as_text=True)
    assert validate_instance(sighting, ValidationOptions(version="2.1")).is_valid

    revoked = {**bad, "modified": "2026-03-01T00:00:00.000Z", "revoked": True}
    assert post(client, world, "partner", inbound.id, [revoked]).status_code == 202
    gone = record(world.store, t0 + timedelta(minutes=3))
    assert (gone.indicators, gone.ended) == (0, 1)
    assert score(world.store, t0 + timedelta(minutes=4)).rescored == 1
    assert world.store.score_history(f"asset:{asset_id}")[-1].points == before
