"""Partner indicators against telemetry: the indexed fast path answers exactly what the
OASIS stix2-matcher answers alone; sightings raise the hosts' scores while they last and
are shared back counted, never named."""

from __future__ import annotations

import json
import random
import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2matcher.matcher import MatcherException, Pattern, _like_to_regex
from stix2validator import ValidationOptions, validate_instance

from hub.core.auth import Principal
from hub.core.model import OrgKind, utcnow
from hub.risk.scoring import default_policy
from hub.sharing.desk import SharingDesk
from hub.sharing.identities import stix_id
from hub.sharing.ioc import compile_simple, match, record
from hub.sharing.observations import Host, address, executable, unique
from hub.sharing.outbound import publish
from hub.sharing.prefilter import ObservationIndex, like_pieces, regex_literals
from tests.conftest import World
from tests.scoring.test_continuous import put, score, vuln
from tests.scoring.test_scores import host_batch
from tests.taxii.test_conformance import ROOT, basic, indicator, post

T = datetime(2026, 11, 1, tzinfo=UTC)


def corpus(rng: random.Random) -> tuple[dict[str, str], list[Host]]:
    ips = [f"203.0.113.{n}" for n in range(40)] + ["2001:db8::1", "2001:db8::2", "10.1.2.3"]
    hashes = [f"{n:064x}" for n in range(1, 30)]
    names = ["sshd", "nginx", "cron", "xmrig", "kworker/0:1", "update.sh"]
    domains = [f"{w}.example.{tld}" for w in ("cdn", "mail", "c2", "evil-c2") for tld in "ab"]
    urls = [f"http://{d}/{p}" for d in domains[:4] for p in ("", "gate.php", "a/b?c=1")]
    hosts = []
    for n in range(25):
        scos = [address(ip) for ip in rng.sample(ips, 4)]
        scos += [executable(rng.choice(names), h) for h in rng.sample(hashes, 3)]
        scos += [{"type": "domain-name", "value": d} for d in rng.sample(domains, 2)]
        scos += [{"type": "url", "value": u} for u in rng.sample(urls, 2)]
        hosts.append(Host(f"asset-{n}", "org", "sys", T, unique(scos)))
    hosts.append(Host("asset-quiet", "org", "sys", T, ()))
    patterns = {}
    for n in range(150):
        ip, other, digest = rng.choice(ips), rng.choice(ips), rng.choice(hashes)
        kind = "ipv6-addr" if ":" in ip else "ipv4-addr"
        okind = "ipv6-addr" if ":" in other else "ipv4-addr"
        domain, url, name = rng.choice(domains), rng.choice(urls), rng.choice(names)
        patterns[f"indicator--{n}"] = rng.choice(
            [
                f"[{kind}:value = '{ip}']",
                f"[file:hashes.'SHA-256' = '{digest}']",
                f"[domain-name:value = '{domain}'] OR [url:value = '{url}']",
                f"[{kind}:value = '{ip}'] OR [file:hashes.'SHA-256' = '{digest}']",
                f"[{kind}:value = '{ip}' OR {okind}:value = '{other}']",
                "[ipv4-addr:value ISSUBSET '203.0.113.0/28']",
                f"[ipv4-addr:value MATCHES '^203\\\\.0\\\\.113\\\\.{n % 10}']",
                f"[url:value MATCHES 'example\\\\.{rng.choice('ab')}/(gate|a)']",
                "[url:value MATCHES '(?i)GATE']",
                "[url:value MATCHES '[a-z]+-c2\\\\.example\\\\.a/?g?ate']",
                f"[domain-name:value LIKE '%.example.{rng.choice('ab')}']",
                "[domain-name:value LIKE 'evil%']",
                "[domain-name:value LIKE 'c_.example._'] OR [url:value MATCHES '^http://c2']",
                "[url:value MATCHES 'gate(']",
                "[url:value LIKE '%a/b%'] OR [url:value LIKE 'http://mail.%']",
                "[ipv4-addr:value ISSUBSET '203.0.113.16/29' OR ipv4-addr:value = '10.1.2.3']",
                f"[url:value IN ('{url}', 'http://nowhere/')]",
                f"[domain-name:value LIKE '_{domain[1:3]}%']",
                f"[file:name = '{name}' AND file:hashes.'SHA-256' = '{digest}']",
                f"[file:name IN ('{name}', 'xmrig')]",
                f"[file:name NOT LIKE 'k%'] AND [domain-name:value = '{domain}']",
                f"[{kind}:value = '{ip}'] AND [file:hashes.'SHA-256' = '{digest}']",
                f"[domain-name:value = '{domain}'] FOLLOWEDBY [url:value = '{url}']"
                " WITHIN 60 SECONDS",
                f"([file:name = '{name}'] OR [ipv4-addr:value = '{ip}']) REPEATS 2 TIMES",
                f"[file:hashes.'SHA-256' LIKE '{digest[:60]}%']",
                f"[{kind}:value != '{ip}']",
                "[file:size > 10]",
                f"[file:hashes.'SHA-256' = '{digest}']"
                " START t'2026-01-01T00:00:00Z' STOP t'2027-01-01T00:00:00Z'",
            ]
        )
    return patterns, hosts


def matcher_alone(pattern: str, hosts: list[Host]) -> set[str]:
    """stix2-matcher's answer, nothing where it refuses the pattern (as the hub treats it)."""
    try:
        compiled = Pattern(pattern, stix_version="2.1")
        return {h.asset_id for h in hosts if compiled.match(h.bundle())}
    except (MatcherException, re.error):
        return set()


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_indexed_answers_are_exactly_what_stix2_matcher_answers(seed: int) -> None:
    patterns, hosts = corpus(random.Random(seed))
    simple = [p for p in patterns.values() if compile_simple(p) is not None]
    assert 10 < len(simple) < len(patterns)  # both paths are exercised
    ours = match(patterns, hosts)
    assert len(ours) > len(simple)  # complex patterns match too
    for indicator_id, pattern in patterns.items():
        assert ours.get(indicator_id, set()) == matcher_alone(pattern, hosts), pattern
    assert (
        compile_simple("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']")
        is None
    )
    assert compile_simple("[ipv4-addr:value = 'it\\'s']") == [("ipv4-addr:value", "it's")]


def test_the_prefilter_narrows_complex_patterns_to_few_hosts() -> None:
    _, hosts = corpus(random.Random(5))
    index = ObservationIndex(hosts)
    narrowed = index.candidates("[domain-name:value LIKE 'evil%'] AND [file:name = 'xmrig']")
    holding = {i for i, h in enumerate(hosts) for s in h.objects if s.get("name") == "xmrig"}
    assert narrowed <= holding < set(range(len(hosts)))
    assert (
        index.candidates("[url:value MATCHES '(?i)x']") == index.everyone() - {len(hosts) - 1}
        or index.candidates("[url:value MATCHES '(?i)x']") <= index.everyone()
    )
    assert index.candidates("[ipv4-addr:value = '198.51.100.1']") == frozenset()
    suffix = index.narrow("[domain-name:value LIKE '%.example.a'] OR [url:value MATCHES 'c2']")
    assert suffix.exact and suffix.types == frozenset(
        {"domain-name", "url"}
    )  # decided without the matcher
    assert not index.narrow("[domain-name:value LIKE '%.a'] AND [url:value = 'x']").exact
    assert not index.narrow("[domain-name:value NOT LIKE '%.a']").exact
    assert index.candidates("not a pattern") == index.everyone()


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab.c-\\()[]*+?{}^$|1,", max_size=10),
    st.lists(st.text(alphabet="abc.-1", max_size=8), max_size=8),
)
def test_regex_literals_are_in_every_match(regex: str, values: list[str]) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            compiled = re.compile(regex)
    except re.error:
        return
    pieces = regex_literals(regex)
    if pieces is None:
        return
    for v in values:
        if compiled.search(v):
            assert all(p in v for p in pieces[2]), (regex, v, pieces)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab%_.", max_size=8), st.lists(st.text(alphabet="ab.", max_size=8)))
def test_like_pieces_hold_in_every_match(like: str, values: list[str]) -> None:
    prefix, suffix, inner = like_pieces(like)
    compiled = re.compile(_like_to_regex(like))
    for v in values:
        if compiled.match(v):
            assert v.startswith(prefix) and v.endswith(suffix) and all(p in v for p in inner)


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
    parts = {p["detail"].split(":", 1)[0]: p for p in sighted.contributions["parts"]}
    # the finding counts double while the indicator is sighted, and the sighting is risk of
    # its own (a host with no finding at all would still score)
    assert parts["finding"]["points"] == before * default_policy().sighting_factor
    assert parts["evidence"]["points"] > 0 and "compromise" in sighted.flags
    assert sighted.points == parts["finding"]["points"] + parts["evidence"]["points"]
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
    ended = world.store.score_history(f"asset:{asset_id}")[-1]
    kinds = {p["detail"].split(":", 1)[0]: p for p in ended.contributions["parts"]}
    finding, evidence = kinds["finding"], kinds["evidence"]
    assert finding["points"] == before  # no longer doubled
    assert evidence["flags"] == ["compromise_ended"] and evidence["points"] > 0
    score(world.store, t0 + timedelta(days=10))  # it halves every week once ended ...
    decayed = world.store.score_history(f"asset:{asset_id}")[-1].contributions["parts"]
    [later] = [p for p in decayed if p["detail"].startswith("evidence:")]
    assert 0 < later["points"] < evidence["points"] / 2
    score(world.store, t0 + timedelta(days=31))  # ... and is forgotten after a month
    forgotten = world.store.score_history(f"asset:{asset_id}")[-1].contributions["parts"]
    assert not [p for p in forgotten if p["detail"].startswith("evidence:") and p["points"]]
